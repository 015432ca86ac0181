"""CARBS beside Optuna (TPE) and random search at equal total cost, on the synthetic
scaling-law task (``tasks/scaling``), several seeds each.

Every system pays the task's ``cost`` objective for each evaluation it makes (CARBS runs the
real loop, so its train minibatches and the val passes of accepted children count; Optuna and
random pay four train instances per trial) until the budget is spent. Reported, from the
noiseless truth of each point tried (Optuna and random search sample the knobs' declared
bounds, log-uniformly; ``local_random`` is CARBS' own loop with its model switched off):
the hypervolume of the score-cost front (area above a score of 0.15 over log10 cost in
[-2, 2]) and the best score at three fixed costs. The loop's runs also stop at 100
iterations: a search that stays cheap would otherwise take thousands of iterations (each
refitting its GPs) to spend a cost budget.

    python bench/carbs.py [--budget 300] [--seeds 5] [--out bench/carbs.json]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from galapagos.archive import Archive  # noqa: E402
from galapagos.orchestrator.carbs.space import knobs_in  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402
from galapagos.tasks.scaling import SEED, ScalingLaw, _knobs, cost, true_score  # noqa: E402

KNOBS = knobs_in({"recipe.py": SEED})
CHECKPOINTS = (0.5, 1.0, 2.0)
FLOOR, LO, HI = 0.15, -2.0, 2.0
ITERATIONS = 100  # a loop's cap too: cheap settings would let the cost budget last forever


def carbs(budget: float, seed: int, random_samples: int = 4) -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(None, base={
            "run": {"archive": f"{tmp}/a.db", "name": "carbs", "seed": seed},
            "task": {"name": "scaling"}, "llm": {"model": "fake/deterministic"},
            "proposers": {"use": ["carbs"], "carbs": {"cost": "cost",
                                                     "random_samples": random_samples}},
            "loop": {"minibatch_size": 4, "acceptance": "non_decreasing"},
            "budget": {"max_cost": budget, "cost": "cost", "max_idle_iterations": 30,
                       "max_iterations": ITERATIONS}})
        out = start_run(cfg)
        archive = Archive(out.archive)
        return [(c, true_score(*_knobs(archive.get_candidate(cid).files)))
                for cid, (_, c, failed) in archive.train_outcomes(out.run_id, "cost").items()
                if not failed]


def local_random(budget: float, seed: int) -> list[tuple[float, float]]:
    """The same loop and radius with the model switched off: random samples around the
    selected parent, forever (what CARBS adds over a local random walk)."""
    return carbs(budget, seed, random_samples=10**9)


def trial(task: ScalingLaw, values: dict[str, float]) -> tuple[float, float, bool]:
    """Four train instances of one setting: (mean score, its cost, failed)."""
    files = {"recipe.py": "\n".join(f"{n} = {KNOBS[n].text(v)}" for n, v in values.items())}
    train = [i for i in task.instances() if i.split == "train"]
    w, s, _ = _knobs(files)
    try:
        return (statistics.mean(task.evaluate(files, i).score for i in train),
                cost(w, s) * len(train), False)
    except RuntimeError:  # diverged
        return 0.0, cost(w, s) * len(train), True


def sample(rng: random.Random) -> dict[str, float]:
    """Uniform in each knob's basic space between its bounds."""
    return {n: k.from_basic(rng.uniform(k.to_basic(k.low), k.to_basic(k.high)))
            for n, k in KNOBS.items()}


def random_search(budget: float, seed: int) -> list[tuple[float, float]]:
    task, rng, spent, points = ScalingLaw(), random.Random(seed), 0.0, []
    while spent < budget:
        values = sample(rng)
        _, c, failed = trial(task, values)
        spent += c
        if not failed:
            points.append((c / 4, true_score(values["WIDTH"], values["STEPS"], values["LR"])))
    return points


def optuna_tpe(budget: float, seed: int) -> list[tuple[float, float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    task, spent, points = ScalingLaw(), [0.0], []
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed))

    def objective(t: object) -> tuple[float, float]:
        values = {n: t.suggest_float(n, k.low, k.high, log=True)  # type: ignore[attr-defined]
                  for n, k in KNOBS.items()}
        values = {n: KNOBS[n].from_basic(KNOBS[n].to_basic(v)) for n, v in values.items()}
        score, c, failed = trial(task, values)
        spent[0] += c
        if not failed:
            points.append((c / 4, true_score(values["WIDTH"], values["STEPS"], values["LR"])))
        return score, c

    while spent[0] < budget:
        study.optimize(objective, n_trials=1)
    return points


def best_at(points: list[tuple[float, float]], cap: float) -> float:
    return max([s for c, s in points if c <= cap] or [0.0])


def hypervolume(points: list[tuple[float, float]], steps: int = 400, floor: float = FLOOR,
                lo: float = LO, hi: float = HI) -> float:
    """The area of the score-cost front above ``floor`` over log10 cost in [lo, hi]."""
    grid = [lo + (hi - lo) * (i + 0.5) / steps for i in range(steps)]
    return sum(max(best_at(points, 10 ** g) - floor, 0.0) for g in grid) * (hi - lo) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "carbs.json"))
    args = ap.parse_args()
    systems = {"carbs": carbs, "local_random": local_random, "optuna_tpe": optuna_tpe,
               "random": random_search}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    for seed in range(args.seeds):
        for name, run in systems.items():
            start = time.perf_counter()
            points = run(args.budget, seed)
            row = {"seed": seed, "hypervolume": hypervolume(points), "points": len(points),
                   "wall_s": time.perf_counter() - start,
                   **{f"best_at_{c:g}": best_at(points, c) for c in CHECKPOINTS}}
            results[name].append(row)
            print(f"{name:12s} seed {seed}: hypervolume {row['hypervolume']:.4f}, "
                  f"{row['points']} points, " + ", ".join(
                      f"best at cost {c:g} {row[f'best_at_{c:g}']:.3f}" for c in CHECKPOINTS),
                  flush=True)
    print(f"\nmedians at equal total cost {args.budget:g} ({args.seeds} seeds):")
    print(f"{'system':12s} {'hypervolume':>11s} " + " ".join(f"{'best@' + format(c, 'g'):>9s}"
                                                          for c in CHECKPOINTS))
    summary = {}
    for name, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows)
               for k in ("hypervolume", *(f"best_at_{c:g}" for c in CHECKPOINTS))}
        summary[name] = med
        print(f"{name:12s} {med['hypervolume']:11.4f} " + " ".join(
            f"{med[f'best_at_{c:g}']:9.3f}" for c in CHECKPOINTS))
    optuna_hv = summary["optuna_tpe"]["hypervolume"]
    ratio = summary["carbs"]["hypervolume"] / optuna_hv if optuna_hv else None
    print("CARBS / Optuna hypervolume: " + (f"{ratio:.2f}" if ratio else
          "no ratio (Optuna's median front is empty at this budget)") + " (target 1.2)")
    Path(args.out).write_text(json.dumps({"budget": args.budget, "seeds": args.seeds,
                                          "runs": results, "medians": summary,
                                          "carbs_over_optuna": ratio}, indent=2) + "\n")


if __name__ == "__main__":
    main()
