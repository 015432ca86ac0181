"""Circle packing (26 circles, sum of radii; published: about 2.634 OpenEvolve, 2.63586
AlphaEvolve, 2.63598 ShinkaEvolve) from a cold start: the best val score against the metric
calls spent, for one configuration. Needs Docker (the programs run in the sandbox).

    python bench/circles.py [--iterations 1000] [--proposers literal,merge] [--model M]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--proposers", default="literal,merge")
    ap.add_argument("--model", default="fake/deterministic")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(None, base={
            "run": {"archive": f"{d}/a.db", "seed": args.seed, "name": "bench"},
            "task": {"name": "circles", "sandbox": {"wall_s": 10}},
            "llm": {"model": args.model, "max_tokens": 600},
            "selector": {"kind": "dgm"}, "loop": {"minibatch_size": 1},
            "proposers": {"use": args.proposers.split(","), "merge": {"every": 10}},
            "budget": {"max_iterations": args.iterations}})
        t = time.perf_counter()
        out = start_run(cfg)
        wall = time.perf_counter() - t
        a = Archive(out.archive)
        print(f"proposers {args.proposers}, model {args.model}, {args.iterations} iterations, "
              f"{wall:.0f} s")
        print(f"{'iteration':>10} {'metric calls':>13} {'best val':>10}")
        seed = out.summary["val"][out.summary["seed"]]
        print(f"{0:>10} {1:>13} {seed:>10.5f}")
        for e in a.events(out.run_id, "iteration"):
            if e["data"].get("new_best"):
                print(f"{e['iteration']:>10} {e['data']['metric_calls']:>13} "
                      f"{e['data']['val']:>10.5f}")
        s = out.summary
        print(f"final: best val {s['val'][s['best']]:.5f} (test {s['test'][s['best']]:.5f}) "
              f"after {s['metric_calls']} metric calls; seed {seed:.5f}")
        by = {}
        for e in a.events(out.run_id, "iteration"):
            key = (e["data"]["proposer"], e["data"]["outcome"])
            by[key] = by.get(key, 0) + 1
        print("outcomes:", ", ".join(f"{p} {o}: {n}" for (p, o), n in sorted(by.items())))
        reasons: dict[str, int] = {}
        for e in a.events(out.run_id, "iteration"):
            if e["data"].get("reason"):
                key = f"{e['data']['proposer']}: {e['data']['reason'][:70]}"
                reasons[key] = reasons.get(key, 0) + 1
        for key, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {n:5d}  {key}")


if __name__ == "__main__":
    main()
