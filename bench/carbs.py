"""CARBS beside Optuna (TPE) and random search at equal total cost, on the synthetic
scaling-law task (``tasks/scaling``), several seeds each.

Every system pays the task's ``cost`` objective for each evaluation it makes (CARBS runs the
real loop, so its train minibatches and the val passes of accepted children count; Optuna and
random pay four train instances per trial) until the budget is spent. Reported, from the
noiseless truth of each point tried (Optuna and random search sample the knobs' declared
bounds, log-uniformly; ``local_random`` is CARBS' own loop with its model switched off):
the hypervolume of the score-cost front (area above a score of 0.15 over log10 cost in
[-2, 2]) against the cost spent (at a quarter, half, three quarters and all of the budget:
a point counts once the evaluations that made it are paid for) and the best score at three
fixed costs. The declared bounds are wide (CARBS needs
none), so sampling them spends the budget on a few huge settings; ``optuna_near`` and
``random_near`` sample a box a user might write instead: a decade either side of the seed's
value (within the declared bounds), a fairer baseline. The loop's runs also stop at 100
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
SPENT = (0.25, 0.5, 0.75, 1.0)  # fractions of the budget at which the hypervolume is read
Point = tuple[float, float, float]  # cost per evaluation, true score, cost spent when known
FLOOR, LO, HI = 0.15, -2.0, 2.0
ITERATIONS = 100  # a loop's cap too: cheap settings would let the cost budget last forever


SETTINGS: dict[str, object] = {}  # [proposers.carbs] keys set with --carbs KEY=VALUE


def carbs(budget: float, seed: int, random_samples: int = 4) -> list[Point]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(None, base={
            "run": {"archive": f"{tmp}/a.db", "name": "carbs", "seed": seed},
            "task": {"name": "scaling"}, "llm": {"model": "fake/deterministic"},
            "proposers": {"use": ["carbs"], "carbs": {"cost": "cost", **SETTINGS,
                                                     "random_samples": random_samples}},
            "loop": {"minibatch_size": 4, "acceptance": "non_decreasing"},
            "budget": {"max_cost": budget, "cost": "cost", "max_idle_iterations": 30,
                       "max_iterations": ITERATIONS}})
        out = start_run(cfg)
        archive = Archive(out.archive)
        known = spent_when_scored(archive.costs_in_order(out.run_id, "cost"))
        return [(c, true_score(*_knobs(archive.get_candidate(cid).files)), known[cid])
                for cid, (_, c, failed) in archive.train_outcomes(out.run_id, "cost").items()
                if not failed]


def spent_when_scored(paid: list[tuple[str, str, float]]) -> dict[str, float]:
    """Each candidate's cost spent by the run when its last train evaluation was paid."""
    spent, at = 0.0, {}
    for cid, split, c in paid:
        spent += c
        if split == "train":
            at[cid] = spent
    return at


def local_random(budget: float, seed: int) -> list[Point]:
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


def box(near: bool) -> dict[str, tuple[float, float]]:
    """Each knob's sampling bounds: its declared ones, or a decade either side of the
    seed's value within them."""
    return {n: (max(k.low, k.center / 10), min(k.high, k.center * 10)) if near
            else (k.low, k.high) for n, k in KNOBS.items()}


def sample(rng: random.Random, near: bool = False) -> dict[str, float]:
    """Uniform in each knob's basic space between its bounds."""
    return {n: KNOBS[n].from_basic(rng.uniform(KNOBS[n].to_basic(lo), KNOBS[n].to_basic(hi)))
            for n, (lo, hi) in box(near).items()}


def random_search(budget: float, seed: int, near: bool = False) -> list[Point]:
    task, rng, spent, points = ScalingLaw(), random.Random(seed), 0.0, []
    while spent < budget:
        values = sample(rng, near)
        _, c, failed = trial(task, values)
        spent += c
        if not failed:
            points.append((c / 4, true_score(values["WIDTH"], values["STEPS"], values["LR"]),
                           spent))
    return points


def optuna_tpe(budget: float, seed: int, near: bool = False) -> list[Point]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    task, spent, points = ScalingLaw(), [0.0], []
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed))

    def objective(t: object) -> tuple[float, float]:
        values = {n: t.suggest_float(n, lo, hi, log=True)  # type: ignore[attr-defined]
                  for n, (lo, hi) in box(near).items()}
        values = {n: KNOBS[n].from_basic(KNOBS[n].to_basic(v)) for n, v in values.items()}
        score, c, failed = trial(task, values)
        spent[0] += c
        if not failed:
            points.append((c / 4, true_score(values["WIDTH"], values["STEPS"], values["LR"]),
                           spent[0]))
        return score, c

    while spent[0] < budget:
        study.optimize(objective, n_trials=1)
    return points


def best_at(points: list[tuple[float, ...]], cap: float) -> float:
    return max([p[1] for p in points if p[0] <= cap] or [0.0])


def hypervolume(points: list[tuple[float, ...]], steps: int = 400, floor: float = FLOOR,
                lo: float = LO, hi: float = HI) -> float:
    """The area of the score-cost front above ``floor`` over log10 cost in [lo, hi]."""
    grid = [lo + (hi - lo) * (i + 0.5) / steps for i in range(steps)]
    return sum(max(best_at(points, 10 ** g) - floor, 0.0) for g in grid) * (hi - lo) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "carbs.json"))
    ap.add_argument("--carbs", action="append", default=[], metavar="KEY=VALUE",
                    help="a [proposers.carbs] setting for CARBS' runs, as TOML (an ablation)")
    ap.add_argument("--systems", help="comma-separated subset of the systems")
    args = ap.parse_args()
    import tomllib

    for pair in args.carbs:
        SETTINGS.update(tomllib.loads(pair))
    systems = {"carbs": carbs, "local_random": local_random, "optuna_tpe": optuna_tpe,
               "random": random_search,
               "optuna_near": lambda b, s: optuna_tpe(b, s, near=True),
               "random_near": lambda b, s: random_search(b, s, near=True)}
    if args.systems:
        systems = {n: systems[n] for n in args.systems.split(",")}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    for seed in range(args.seeds):
        for name, run in systems.items():
            start = time.perf_counter()
            row = {"seed": seed, **measure(run(args.budget, seed), args.budget),
                   "wall_s": time.perf_counter() - start}
            results[name].append(row)
            print(f"{name:12s} seed {seed}: hypervolume {row['hypervolume']:.4f}, "
                  f"{row['points']} points, " + ", ".join(
                      f"best at cost {c:g} {row[f'best_at_{c:g}']:.3f}" for c in CHECKPOINTS),
                  flush=True)
    summary = report(results, args.budget, args.seeds)
    ratios = {}
    for optuna in [o for o in ("optuna_tpe", "optuna_near") if {o, "carbs"} <= set(summary)]:
        hv = summary[optuna]["hypervolume"]
        ratios[optuna] = summary["carbs"]["hypervolume"] / hv if hv else None
        print(f"CARBS / {optuna} hypervolume: " + (
            f"{ratios[optuna]:.2f}" if ratios[optuna] else
            "no ratio (its median front is empty at this budget)") + " (target 1.2)")
    Path(args.out).write_text(json.dumps({"budget": args.budget, "seeds": args.seeds,
                                          "runs": results, "medians": summary,
                                          "carbs_settings": SETTINGS,
                                          "carbs_over_optuna": ratios.get("optuna_tpe"),
                                          "carbs_over_optuna_near": ratios.get("optuna_near")},
                                         indent=2) + "\n")


def measure(points: list[Point], budget: float) -> dict[str, float]:
    """The figures of one run: the hypervolume at the end and as the cost was spent, the
    best score at each fixed cost per evaluation."""
    return {"hypervolume": hypervolume(points), "points": len(points),
            **{f"hv_at_{f:g}": hypervolume([p for p in points if f == 1 or p[2] <= f * budget])
               for f in SPENT},
            **{f"best_at_{c:g}": best_at(points, c) for c in CHECKPOINTS}}


def report(results: dict[str, list[dict[str, float]]], budget: float, seeds: int
           ) -> dict[str, dict[str, float]]:
    """Each system's medians over the seeds, printed as a table."""
    keys = ("hypervolume", *(f"hv_at_{f:g}" for f in SPENT[:-1]),
            *(f"best_at_{c:g}" for c in CHECKPOINTS))
    print(f"\nmedians at equal total cost {budget:g} ({seeds} seeds; hv@f: the hypervolume "
          "once a fraction f of the budget was spent):")
    print(f"{'system':12s} {'hypervolume':>11s} " + " ".join(
        f"{k.replace('hv_at_', 'hv@').replace('best_at_', 'best@'):>9s}" for k in keys[1:]))
    summary = {}
    for name, rows in results.items():
        summary[name] = {k: statistics.median(r[k] for r in rows) for k in keys}
        print(f"{name:12s} {summary[name]['hypervolume']:11.4f} " + " ".join(
            f"{summary[name][k]:9.3f}" for k in keys[1:]))
    return summary


if __name__ == "__main__":
    main()
