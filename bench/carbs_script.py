"""CARBS beside Optuna (TPE) and random search on the ``script`` training task, at equal
total sandbox seconds, several seeds each (the synthetic task's comparison is carbs.py).

The knobs are the ones the baseline script declares (``LR``, ``EPOCHS``); the cost is the
sandbox seconds an evaluation takes, as the task reports them. CARBS runs the real loop
(its train evaluations and the val passes of accepted children count against the budget);
Optuna and random search pay one evaluation per train instance per trial, each sampling
the knobs' declared bounds log-uniformly. There is no noiseless truth here, so a point is
its measured mean train score (a held-out accuracy) at its mean cost per instance.
Reported: the hypervolume of that score-cost front (area above a score of 0.5 over log10
seconds in [-1.5, 0.5]: an evaluation takes 0.04 to 0.6 sandbox seconds) and the best score
at three fixed costs.

Needs a running Docker engine (``scripts/setup.sh --docker``).

    python bench/carbs_script.py [--budget 30] [--seeds 5] [--out bench/carbs_script.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from carbs import best_at, hypervolume  # noqa: E402

from galapagos.archive import Archive  # noqa: E402
from galapagos.orchestrator.carbs.space import knobs_in, with_values  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402
from galapagos.sandbox import Limits, make_sandbox  # noqa: E402
from galapagos.tasks.protocol import TaskContext  # noqa: E402
from galapagos.tasks.script import create  # noqa: E402

CHECKPOINTS = (0.05, 0.1, 0.3)  # sandbox seconds per evaluation
FRONT = {"floor": 0.5, "lo": -1.5, "hi": 0.5}
ITERATIONS = 400  # a cap that the sandbox-seconds budget reaches first


def carbs(budget: float, seed: int, random_samples: int = 4,
          **settings: Any) -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(None, base={
            "run": {"archive": f"{tmp}/a.db", "name": "carbs-script", "seed": seed},
            "task": {"name": "script"}, "llm": {"model": "fake/deterministic"},
            "proposers": {"use": ["carbs"], "carbs": {"cost": "sandbox_s", **settings,
                                                     "random_samples": random_samples}},
            "loop": {"minibatch_size": 3, "acceptance": "non_decreasing"},
            "budget": {"max_cost": budget, "cost": "sandbox_s", "max_idle_iterations": 20,
                       "max_iterations": ITERATIONS}})
        out = start_run(cfg)
        print(f"  carbs stopped: {out.stop_reason}", flush=True)
        return [(c, s) for s, c, failed in
                Archive(out.archive).train_outcomes(out.run_id, "sandbox_s").values()
                if not failed]


class Trials:
    """Optuna's and random search's evaluations: the seed program with the knobs set,
    scored on every train instance in a sandbox."""

    def __init__(self) -> None:
        self.box = make_sandbox("docker", gpus=[])
        self.task = create(TaskContext({}, sandbox=lambda: self.box, limits=Limits()))
        self.seed = self.task.seed_files()
        self.knobs = knobs_in(self.seed)
        self.train = [i for i in self.task.instances() if i.split == "train"]

    def run(self, values: dict[str, float]) -> tuple[float, float]:
        """(mean score, total sandbox seconds) of one setting."""
        files = with_values(self.seed, self.knobs, values)
        results = [self.task.evaluate(files, i) for i in self.train]
        return (statistics.mean(r.score for r in results),
                sum(r.objectives.get("sandbox_s", 0.0) for r in results))

    def sample(self, rng: random.Random) -> dict[str, float]:
        return {n: k.from_basic(rng.uniform(k.to_basic(k.low), k.to_basic(k.high)))
                for n, k in self.knobs.items()}


def random_search(trials: Trials, budget: float, seed: int) -> list[tuple[float, float]]:
    rng, spent, points = random.Random(seed), 0.0, []
    while spent < budget:
        score, c = trials.run(trials.sample(rng))
        spent += c
        points.append((c / len(trials.train), score))
    return points


def optuna_tpe(trials: Trials, budget: float, seed: int) -> list[tuple[float, float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spent, points = [0.0], []
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed))

    def objective(t: Any) -> tuple[float, float]:
        values = {n: t.suggest_float(n, k.low, k.high, log=True)
                  for n, k in trials.knobs.items()}
        values = {n: trials.knobs[n].from_basic(trials.knobs[n].to_basic(v))
                  for n, v in values.items()}
        score, c = trials.run(values)
        spent[0] += c
        points.append((c / len(trials.train), score))
        return score, c

    while spent[0] < budget:
        study.optimize(objective, n_trials=1)
    return points


def row(points: list[tuple[float, float]], seed: int, wall: float) -> dict[str, float]:
    return {"seed": seed, "hypervolume": hypervolume(points, **FRONT), "points": len(points),
            "wall_s": wall, **{f"best_at_{c:g}": best_at(points, c) for c in CHECKPOINTS}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=30.0, help="sandbox seconds per run")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "carbs_script.json"))
    ap.add_argument("--systems", default="carbs,optuna_tpe,random",
                    help="of carbs, carbs_no_bias (exploration_bias 0), optuna_tpe, random")
    args = ap.parse_args()
    trials = Trials()
    known = {"carbs": lambda b, s: carbs(b, s),
             "carbs_no_bias": lambda b, s: carbs(b, s, exploration_bias=0.0),
             "optuna_tpe": lambda b, s: optuna_tpe(trials, b, s),
             "random": lambda b, s: random_search(trials, b, s)}
    systems = {n: known[n] for n in args.systems.split(",")}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    try:
        for seed in range(args.seeds):
            for name, run in systems.items():
                start = time.perf_counter()
                r = row(run(args.budget, seed), seed, time.perf_counter() - start)
                results[name].append(r)
                print(f"{name:10s} seed {seed}: hypervolume {r['hypervolume']:.4f}, "
                      f"{r['points']} points, " + ", ".join(
                          f"best at {c:g} s {r[f'best_at_{c:g}']:.3f}" for c in CHECKPOINTS),
                      flush=True)
    finally:
        trials.box.close()
    summary = {name: {k: statistics.median(r[k] for r in rows) for k in (
        "hypervolume", *(f"best_at_{c:g}" for c in CHECKPOINTS))}
        for name, rows in results.items() if rows}
    print(f"\nmedians at equal total sandbox seconds {args.budget:g} ({args.seeds} seeds):")
    for name, med in summary.items():
        print(f"{name:10s} hypervolume {med['hypervolume']:.4f} " + " ".join(
            f"best@{c:g}s {med[f'best_at_{c:g}']:.3f}" for c in CHECKPOINTS))
    Path(args.out).write_text(json.dumps({"budget_sandbox_s": args.budget, "seeds": args.seeds,
                                          "front": FRONT, "runs": results,
                                          "medians": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
