"""The training tasks as MLGym reports them: each method's held-out score on every set of
the `script` task, its improvement over the baseline script, the performance profile at a
few ratios, the AUP, and the time per evaluation. Methods: the baseline, the shipped k-NN
reference, and the best of an LLM-free evolution of the baseline (literal mutation,
`--iterations`). Needs Docker (`--backend process` on a trusted machine without it, such
as the GPU machine).

    python bench/training_profile.py [--iterations 20] [--backend docker]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.archive import Archive  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402
from galapagos.sandbox import Limits, make_sandbox  # noqa: E402
from galapagos.tasks.protocol import TaskContext  # noqa: E402
from galapagos.tasks.script import BASELINE, REFERENCE, create  # noqa: E402
from galapagos.tasks.script.profile import aup, log_ratios, profile  # noqa: E402


def evolve(backend: str, iterations: int, d: str) -> str:
    cfg = load_config(None, base={
        "run": {"archive": f"{d}/a.db", "seed": 0, "name": "bench"},
        "task": {"name": "script", "sandbox": {"wall_s": 30, "backend": backend}},
        "llm": {"model": "fake/deterministic"}, "selector": {"kind": "dgm"},
        "proposers": {"use": ["literal"]}, "loop": {"minibatch_size": 3},
        "budget": {"max_iterations": iterations}})
    out = start_run(cfg)
    return Archive(out.archive).get_candidate(out.summary["best"]).files["train.py"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--backend", default="docker", choices=["docker", "process"])
    args = ap.parse_args()
    sb = make_sandbox(args.backend, concurrency=2)
    task = create(TaskContext(options={}, llm=None, sandbox=lambda: sb,
                              limits=Limits(wall_s=60), run_id="bench"))
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        evolved = evolve(args.backend, args.iterations, d)
        print(f"LLM-free evolution, {args.iterations} iterations: "
              f"{time.perf_counter() - t:.0f} s")
    methods = {"baseline": BASELINE.read_text(), "reference k-NN": REFERENCE.read_text(),
               "evolved (literal)": evolved}
    scores: dict[str, dict[str, float | None]] = {m: {} for m in methods}
    seconds: dict[str, list[float]] = {m: [] for m in methods}
    for inst in task.instances():
        for m, script in methods.items():
            res = task.evaluate({"train.py": script}, inst)
            scores[m][inst.id] = res.score
            seconds[m].append(res.objectives["sandbox_s"])
    sb.close()
    report(scores, seconds, task.baselines, [i.id for i in task.instances()])


def report(scores: dict[str, dict[str, float | None]], seconds: dict[str, list[float]],
           base: dict[str, float], sets: list[str]) -> None:
    print(f"\n{'set':18s}" + "".join(f"{m:>20s}" for m in scores))
    for s in sets:
        cells = [(scores[m][s] or 0.0) for m in scores]
        print(f"{s:18s}" + "".join(f"{v:12.3f} ({v - base[s]:+.2f})" for v in cells))
    _, tau_max = log_ratios(scores)
    areas = aup(scores)
    print(f"\nperformance profile rho(tau), tau = log10 ratio to the best; AUP over [0, "
          f"{tau_max:.3f}]")
    for m in scores:
        rho = " ".join(f"{profile(scores, tau)[m]:.2f}" for tau in (0.0, 0.05, 0.1, 0.3))
        mean = sum(v or 0 for v in scores[m].values()) / len(sets)
        print(f"{m:20s} mean {mean:.3f}  rho(0, .05, .1, .3) = {rho}  AUP {areas[m]:.3f}  "
              f"{sum(seconds[m]) / len(seconds[m]):.2f} s per evaluation")


if __name__ == "__main__":
    main()
