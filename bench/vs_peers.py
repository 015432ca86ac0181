"""Galápagos against its peers where a prompt can move the model: BIG-bench tasks picked by
a written rule, then every system side by side at one metric-call budget.

**Selection** (``select``), applied to every candidate task:

- candidates: the JSON tasks of BIG-bench 1.0.0 named with b, c, d, g, h, l, m, p, r or s
  (not its subtask folders) with the 160 examples the splits need (30 train, 30 val,
  100 test; fixed seeded splits, see bigbench_tasks.py), whose median question is at most
  600 characters (so 8 demonstrations and the question fit the embedded model's 2048-token
  window) and whose median answer is at most 40 characters (the qa task scores one line);
  a task made of subtasks is its subtasks (``task/subtask``), probed in name order until
  one is kept or two were not (so that one task's many variants neither crowd the table
  nor cost an hour of probing); at most one subtask of a task is kept;
- chance: the better of a uniformly random option (multiple choice) and the most common
  train answer given to every question (a yes/no task written as free answer is not
  headroom);
- kept: the static 8-shot prompt (the seed instruction and 8 seeded train examples) beats
  chance by at least 0.10 on val and stays below 0.9 there.

**Comparison** (``compare``), on the kept tasks, the embedded model as task and reflection
model, the same metric-call budget: chance, seed, 8-shot, the gepa library and Galápagos'
defaults (each over ``--seeds`` seeds), DSPy's BootstrapFewShotWithRandomSearch and MIPROv2
(see dspy_systems.py). Per task and mean: val and test, the standard error over seeds, the
metric calls Galápagos needed to reach the gepa library's final val, and wall time.

    python bench/vs_peers.py select                       # prints the selection table
    python bench/vs_peers.py compare [--tasks a,b] [--systems ...] [--seeds 3] [--budget 300]

Every figure goes to bench/vs_peers.json; ``compare`` keeps what the file already holds at
the same budget and reruns only what is missing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigbench_tasks import CACHE, SPLITS, tasks_where, write  # noqa: E402
from vs_gepa import (MODEL, calls_to_reach, mean_score, run_chance, run_gepa,  # noqa: E402
                     run_galapagos, run_kshot, run_seed, score_both)

from galapagos.agents.llm import LLMClient  # noqa: E402
from galapagos.agents.programs import DEMOS, INSTRUCTION, dump_demos  # noqa: E402
from galapagos.tasks.qa import SEED_INSTRUCTION, QATask, normalize, read  # noqa: E402

INITIALS = "bcdghlmprs"
MAX_QUESTION, MAX_ANSWER = 600, 40
LIFT, CEILING = 0.10, 0.9
RESULTS = Path(__file__).with_name("vs_peers.json")
FOLDER = CACHE / "bigbench"


# selection ------------------------------------------------------------------
def shape(task: dict) -> str | None:
    """Why a task is not a candidate, or None."""
    examples = task.get("examples", [])
    if len(examples) < sum(k for _, k in SPLITS):
        return f"{len(examples)} examples"
    questions = [len(str(e.get("input", ""))) for e in examples]
    answers = [len(max(e["target_scores"], key=e["target_scores"].get)) if e.get("target_scores")
               else len(e["target"] if isinstance(e.get("target"), str)
                        else str((e.get("target") or [""])[0])) for e in examples]
    if statistics.median(questions) > MAX_QUESTION:
        return f"median question {statistics.median(questions):.0f} chars"
    if statistics.median(answers) > MAX_ANSWER:
        return f"median answer {statistics.median(answers):.0f} chars"
    return None


def majority(data: Path) -> dict[str, float]:
    """The most common train answer given to every question, scored on val and test."""
    rows = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    top = Counter(normalize(r["answer"][0]) for r in rows if r["split"] == "train").most_common(1)
    guess = top[0][0] if top else ""

    def score(split: str) -> float:
        hits = [guess in {normalize(a) for a in r["answer"]} for r in rows if r["split"] == split]
        return sum(hits) / len(hits)
    return {"val": score("val"), "test": score("test"), "answer": guess}


def chance(task: QATask, data: Path, budget: int, seed: int = 0) -> dict[str, Any]:
    uniform, common = run_chance(task, data, budget), majority(data)
    return {s: max(uniform[s], common[s]) for s in ("val", "test")} | {
        "uniform": uniform, "majority": common}


def select(out: dict[str, Any]) -> list[str]:
    tasks = tasks_where(lambda name: name[0] in INITIALS)
    seen = out.setdefault("selection", {})
    print(f"{'task':44}{'chance val':>11}{'8-shot val':>11}{'lift':>7}  verdict")
    for name, spec in tasks.items():
        if name not in seen and _still_open(name, seen):
            seen[name] = probe(name, spec)
            save(out)
        if name not in seen:
            continue
        row = seen[name]
        if "why_not" not in row:
            row["kept"] = passes(row["chance"], row["8-shot"])  # the rule as written now
        if "why_not" in row:
            print(f"{name:44}{'':29}  not a candidate: {row['why_not']}")
        else:
            print(f"{name:44}{row['chance']:>11.3f}{row['8-shot']:>11.3f}"
                  f"{row['8-shot'] - row['chance']:>+7.3f}  {'kept' if row['kept'] else '-'}",
                  flush=True)
    kept = [n for n, r in seen.items() if r.get("kept")]
    print(f"kept {len(kept)} of {sum('why_not' not in r for r in seen.values())} candidates"
          f"{'' if len(kept) >= 8 else ' (fewer than 8: the bar stays where it is)'}: "
          f"{', '.join(kept)}")
    return kept


def _still_open(name: str, seen: dict[str, Any]) -> bool:
    """A subtask is probed while its task has none kept and fewer than two probed."""
    if "/" not in name:
        return True
    siblings = [r for n, r in seen.items() if n.split("/")[0] == name.split("/")[0]
                and "/" in n and "why_not" not in r]
    return not any(r["kept"] for r in siblings) and len(siblings) < 2


def probe(name: str, spec: dict) -> dict[str, Any]:
    if why := shape(spec):
        return {"why_not": why}
    data = write(name, spec, FOLDER)
    task = QATask(LLMClient(MODEL), data, read(data, {}))
    base, kshot = chance(task, data, 0)["val"], mean_val(task, data)
    return {"chance": base, "8-shot": kshot, "kept": passes(base, kshot)}


def passes(chance_val: float, kshot_val: float) -> bool:
    """The rule; 3 of 30 is a lift of 0.10 (no float rounding decides a task)."""
    return kshot_val - chance_val >= LIFT - 1e-9 and kshot_val < CEILING


def mean_val(task: QATask, data: Path) -> float:
    train = [i for i in task.instances() if i.split == "train"]
    demos = [{"input": i.input, "output": i.expected} for i in random.Random(0).sample(train, 8)]
    return mean_score(task, {INSTRUCTION: SEED_INSTRUCTION, DEMOS: dump_demos(demos)}, "val")


# comparison -----------------------------------------------------------------
def run_dspy(kind: str) -> Callable[..., dict[str, Any]]:
    def run(task: QATask, data: Path, budget: int, seed: int = 0) -> dict[str, Any]:
        from dspy_systems import compile_with

        got = compile_with(kind, task, MODEL, budget, seed)
        best = got.pop("candidate")
        return {**score_both(task, best), **got, "best": best}
    return run


SYSTEMS: dict[str, Callable[..., dict[str, Any]]] = {
    "chance": chance, "seed": lambda t, d, b, seed=0: run_seed(t, d, b),
    "8-shot": lambda t, d, b, seed=0: run_kshot(t, d, b), "gepa": run_gepa,
    "dspy-bootstrap-rs": run_dspy("bootstrap_rs"), "dspy-mipro": run_dspy("mipro"),
    "galapagos": run_galapagos}
SEEDED = {"gepa", "galapagos", "dspy-mipro", "dspy-bootstrap-rs"}


def compare(out: dict[str, Any], names: list[str], systems: list[str], seeds: int,
            budget: int) -> None:
    specs = tasks_where(lambda name: name in names)
    results = out.setdefault("results", {})
    for name in names:
        data = write(name, specs[name], FOLDER)
        task = QATask(LLMClient(MODEL), data, read(data, {}))
        for system in systems:
            runs = results.setdefault(name, {}).setdefault(system, [])
            for seed in range(len(runs), seeds if system in SEEDED else 1):
                t = time.perf_counter()
                r = {**SYSTEMS[system](task, data, budget, seed=seed), "seed": seed,
                     "wall_s": round(time.perf_counter() - t, 1)}
                runs.append(r)
                print(f"{name} {system} seed {seed}: val {r['val']:.3f} test {r['test']:.3f} "
                      f"({r['wall_s']} s)", flush=True)
                save(out)


def summary(runs: list[dict[str, Any]], split: str) -> tuple[float, float]:
    xs = [r[split] for r in runs]
    se = statistics.stdev(xs) / len(xs) ** 0.5 if len(xs) > 1 else 0.0
    return sum(xs) / len(xs), se


def table(results: dict[str, dict[str, list]], systems: list[str]) -> None:
    print(f"{'task':40}" + "".join(f"{s:>22}" for s in systems) + f"{'reach gepa':>14}")
    for name, r in results.items():
        cells = "".join(_cell(r.get(s)) for s in systems)
        print(f"{name:40}{cells}{_reach(r):>14}")
    means = [statistics.mean(summary(r[s], "test")[0] for r in results.values())
             if all(s in r for r in results.values()) else None for s in systems]
    print(f"{'mean test':40}" + "".join(f"{m:>22.3f}" if m is not None else f"{'-':>22}"
                                        for m in means))
    print("cells: val / test (± standard error of test over seeds); reach gepa: median "
          "metric calls Galápagos needed to reach the gepa library's final val, vs gepa's")


def _cell(runs: list | None) -> str:
    if not runs:
        return f"{'-':>22}"
    (v, _), (t, se) = summary(runs, "val"), summary(runs, "test")
    return f"{v:>8.3f} /{t:>6.3f}" + (f" ±{se:.3f}" if len(runs) > 1 else " " * 7)


def _reach(r: dict[str, list]) -> str:
    if "gepa" not in r or "galapagos" not in r:
        return ""
    pairs = [(calls_to_reach(g["curve"], g["val"]), calls_to_reach(ours["curve"], g["val"]))
             for g, ours in zip(r["gepa"], r["galapagos"], strict=False)]
    mine = [m if m is not None else 10**9 for _, m in pairs]
    theirs = [t for t, _ in pairs if t is not None]
    med = statistics.median(mine)
    return (f"{'never' if med >= 10**9 else int(med)} vs "
            f"{int(statistics.median(theirs)) if theirs else '-'}")


def save(out: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(out, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["select", "compare", "table"])
    ap.add_argument("--tasks", help="default: the tasks the selection kept")
    ap.add_argument("--systems", default=",".join(SYSTEMS), help=f"of {', '.join(SYSTEMS)}")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=300)
    args = ap.parse_args()
    out = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if out.get("budget", args.budget) != args.budget:
        out.pop("results", None)  # figures at another budget are not comparable
    out.update(model=MODEL, budget=args.budget, rule={
        "initials": INITIALS, "max_question": MAX_QUESTION, "max_answer": MAX_ANSWER,
        "lift": LIFT, "ceiling": CEILING})
    if args.tasks:
        kept = args.tasks.split(",")
    elif args.step == "table":  # the stored selection: no task data needed to print figures
        kept = [n for n, r in out.get("selection", {}).items() if r.get("kept")]
    else:
        kept = select(out)
    systems = args.systems.split(",")
    if unknown := [s for s in systems if s not in SYSTEMS]:
        ap.error(f"unknown systems {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    if args.step == "compare":
        compare(out, kept, systems, args.seeds, args.budget)
    if args.step != "select":
        table({n: out["results"][n] for n in kept if n in out.get("results", {})}, systems)


if __name__ == "__main__":
    main()
