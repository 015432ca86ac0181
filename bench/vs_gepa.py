"""Galápagos against the gepa library on BIG-bench tasks, one model for everything.

For each task (30 train / 30 val / 100 test, fixed seeded splits; see bigbench_tasks.py),
with the embedded Gemma 3 270M base model as task model and as reflection model, the same
prompt format (the ``qa`` task's few-shot program) and the same metric-call budget:

- seed: the seed prompt;
- gepa: the gepa library (pinned: ``pip install 'galapagos[bench]'``), its defaults;
- galapagos: Galápagos with its defaults (best by val; and the frontier ensemble);
- 8-shot: the seed instruction with 8 train examples as demonstrations (a reference);
- chance: the expected score of a uniformly random option (no model; where the others stand);
- galapagos-pdr, galapagos-stop (on request): PDR or STOP in place of the reflective
  proposer, at the same metric-call budget (their extra LLM calls are reported);
- galapagos-recheck (on request): the final choice by ``[loop] final = "recheck"``.

Prints val and test per task and the means, and the metric calls each system needed to
reach the gepa library's final val score; writes every figure to bench/vs_gepa.json.

    python bench/vs_gepa.py [--tasks a,b] [--budget 300]
                            [--systems chance,seed,gepa,galapagos,8-shot]
                            [--keep]   # keep the file's other figures, rerun only these
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigbench_tasks import CACHE, TASKS, write_all  # noqa: E402

from galapagos.agents.llm import LLMClient  # noqa: E402
from galapagos.agents.programs import DEMOS, INSTRUCTION, dump_demos  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402
from galapagos.tasks.qa import SEED_INSTRUCTION, QATask, read  # noqa: E402

MODEL = "local/gemma3-270m"
RESULTS = Path(__file__).with_name("vs_gepa.json")


def mean_score(task: QATask, cand: dict[str, str], split: str) -> float:
    insts = [i for i in task.instances() if i.split == split]
    return sum(task.evaluate(cand, i).score for i in insts) / len(insts)


def score_both(task: QATask, cand: dict[str, str]) -> dict[str, float]:
    return {"val": mean_score(task, cand, "val"), "test": mean_score(task, cand, "test")}


def run_seed(task: QATask, data: Path, budget: int) -> dict[str, Any]:
    return score_both(task, task.seed_candidate())


def run_chance(task: QATask, data: Path, budget: int) -> dict[str, Any]:
    """The expected score of a uniformly random option (0 where there are none): no model."""
    rows = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]

    def chance(split: str) -> float:
        picks = [len(r["answer"]) / len(r["choices"]) if r.get("choices") else 0.0
                 for r in rows if r["split"] == split]
        return sum(picks) / len(picks)
    return {"val": chance("val"), "test": chance("test")}


def run_kshot(task: QATask, data: Path, budget: int, k: int = 8) -> dict[str, Any]:
    train = [i for i in task.instances() if i.split == "train"]
    demos = [{"input": i.input, "output": i.expected}
             for i in random.Random(0).sample(train, k)]
    return score_both(task, {INSTRUCTION: SEED_INSTRUCTION, DEMOS: dump_demos(demos)})


class GepaAdapter:
    """The gepa library's side: the qa task's own prompt, model call and metric."""

    propose_new_texts = None

    def __init__(self, task: QATask):
        self.task = task

    def evaluate(self, batch: list, candidate: dict[str, str], capture_traces: bool = False):
        from gepa import EvaluationBatch

        results = [self.task.evaluate(candidate, inst) for inst in batch]
        traces = [{"input": i.input, "output": r.output, "feedback": r.feedback}
                  for i, r in zip(batch, results, strict=True)]
        return EvaluationBatch(outputs=[r.output for r in results],
                               scores=[r.score for r in results],
                               trajectories=traces if capture_traces else None)

    def make_reflective_dataset(self, candidate, eval_batch, components_to_update):
        rows = [{"Inputs": t["input"], "Generated Outputs": t["output"],
                 "Feedback": t["feedback"]} for t in eval_batch.trajectories]
        return {c: rows for c in components_to_update}


def run_gepa(task: QATask, data: Path, budget: int, seed: int = 0) -> dict[str, Any]:
    import gepa

    reflect = LLMClient(MODEL, temperature=0.7, max_tokens=200)
    calls = {"n": 0}

    def reflection_lm(prompt: str) -> str:
        calls["n"] += 1
        return reflect.complete(prompt, purpose="reflect").text

    split = {s: [i for i in task.instances() if i.split == s] for s in ("train", "val")}
    quiet = type("Quiet", (), {"log": lambda self, *a, **k: None})()
    with tempfile.TemporaryDirectory() as d:
        res = gepa.optimize(seed_candidate={INSTRUCTION: SEED_INSTRUCTION},
                            trainset=split["train"], valset=split["val"],
                            adapter=GepaAdapter(task), reflection_lm=reflection_lm,
                            max_metric_calls=budget, seed=seed, run_dir=d, logger=quiet)
    best = res.best_candidate
    curve = sorted(zip(res.discovery_eval_counts, res.val_aggregate_scores, strict=True))
    return {**score_both(task, best), "metric_calls": res.total_metric_calls,
            "candidates": len(res.candidates), "reflections": calls["n"], "curve": curve,
            "best": best}


def run_galapagos(task: QATask, data: Path, budget: int, proposers: dict[str, Any] | None = None,
                  loop: dict[str, Any] | None = None, seed: int = 0) -> dict[str, Any]:
    from galapagos.archive import Archive

    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(None, base={
            "run": {"archive": f"{d}/a.db", "name": "vs-gepa", "seed": seed},
            "task": {"name": "qa", "options": {"data": str(data), "model": MODEL}},
            "llm": {"model": MODEL}, **({"proposers": proposers} if proposers else {}),
            **({"loop": loop} if loop else {}),
            "budget": {"max_metric_calls": budget, "max_iterations": 10**6,
                       "max_wall_s": 10**6, "patience": 10**6}})
        out = start_run(cfg)
        s = out.summary
        archive = Archive(out.archive)
        reflections = sum(sp.calls for sp in archive.spend(out.run_id) if sp.purpose != "task")
        curve, outcomes = [], {}
        for e in archive.events(out.run_id, "iteration"):
            key = f"{e['data'].get('proposer')}:{e['data']['outcome']}"
            outcomes[key] = outcomes.get(key, 0) + 1
            if e["data"].get("new_best"):
                curve.append((e["data"]["metric_calls"], e["data"]["val"]))
        best = archive.get_candidate(s["best"]).components
    return {"val": s["val"][s["best"]], "test": s["test"][s["best"]],
            "ensemble": s.get("ensemble"), "best_by_mean": s.get("best_by_mean"),
            "metric_calls": s["metric_calls"], "iterations": s["iterations"],
            "curve": [(len([i for i in task.instances() if i.split == "val"]),
                       s["val"][s["seed"]]), *curve],
            "outcomes": outcomes, "reflection_calls": reflections, "best": best}


def variant(use: str) -> Callable[[QATask, Path, int], dict[str, Any]]:
    """Galápagos with ``use`` in place of the reflective proposer (PDR or STOP)."""
    return partial(run_galapagos, proposers={"use": [use, "demos", "merge"]})


SYSTEMS = {"chance": run_chance, "seed": run_seed, "gepa": run_gepa, "galapagos": run_galapagos,
           "8-shot": run_kshot, "galapagos-pdr": variant("pdr"), "galapagos-stop": variant("stop"),
           "galapagos-recheck": partial(run_galapagos, loop={"final": "recheck"})}
DEFAULT = ["chance", "seed", "gepa", "galapagos", "8-shot"]


def calls_to_reach(curve: list, target: float) -> int | None:
    return next((calls for calls, val in curve if val >= target - 1e-9), None)


def table(results: dict[str, dict[str, Any]], systems: list[str]) -> None:
    w = {s: max(16, len(s) + 7) for s in systems}
    head = "".join(f"{s + ' val':>{w[s]}}{s + ' test':>{w[s]}}" for s in systems)
    print(f"{'task':24}{head}{'gepa final reached at (gepa / galapagos)':>44}")
    for name, r in results.items():
        row = "".join(f"{r[s]['val']:>{w[s]}.3f}{r[s]['test']:>{w[s]}.3f}" if s in r
                      else " " * 2 * w[s] for s in systems)
        reach = ""
        if "gepa" in r and "galapagos" in r:
            target = r["gepa"]["val"]
            reach = (f"{calls_to_reach(r['gepa']['curve'], target)} / "
                     f"{calls_to_reach(r['galapagos']['curve'], target)}")
        print(f"{name:24}{row}{reach:>44}")
    means = "".join(f"{_mean(results, s, 'val'):>{w[s]}.3f}{_mean(results, s, 'test'):>{w[s]}.3f}"
                    for s in systems)
    print(f"{'mean':24}{means}  (each over the tasks it ran)")
    if {"gepa", "galapagos"} <= set(systems):
        both = {n: r for n, r in results.items() if "gepa" in r and "galapagos" in r}
        ratio = _mean(both, "galapagos", "test") / max(_mean(both, "gepa", "test"), 1e-9)
        print(f"galapagos / gepa mean test, over the {len(both)} tasks both ran: {ratio:.2f}x")


def _mean(results: dict, system: str, split: str) -> float:
    vals = [r[system][split] for r in results.values() if system in r]
    return sum(vals) / max(len(vals), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--systems", default=",".join(DEFAULT),
                    help=f"of {', '.join(SYSTEMS)}")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--keep", action="store_true",
                    help="keep the results file's other tasks and systems; rerun only these")
    args = ap.parse_args()
    names, systems = args.tasks.split(","), args.systems.split(",")
    if unknown := [s for s in systems if s not in SYSTEMS] + [n for n in names if n not in TASKS]:
        ap.error(f"unknown {', '.join(unknown)}: systems are {', '.join(SYSTEMS)}; "
                 f"tasks are {', '.join(TASKS)}")
    results = _earlier(Path(args.out), args.budget) if args.keep else {}
    for name, data in zip(names, write_all(names, CACHE / "bigbench"), strict=True):
        task = QATask(LLMClient(MODEL), data, read(data, {}))
        results.setdefault(name, {})
        for system in systems:
            t = time.perf_counter()
            results[name][system] = {**SYSTEMS[system](task, data, args.budget),
                                     "wall_s": round(time.perf_counter() - t, 1)}
            r = results[name][system]
            print(f"{name} {system}: val {r['val']:.3f} test {r['test']:.3f} "
                  f"({r['wall_s']} s)", flush=True)
            Path(args.out).write_text(json.dumps({"budget": args.budget, "model": MODEL,
                                                  "results": results}, indent=1))
    table(results, [s for s in SYSTEMS if any(s in r for r in results.values())])


def _earlier(path: Path, budget: int) -> dict[str, dict[str, Any]]:
    """The results file's figures at this budget: --keep reruns only what is asked."""
    old = json.loads(path.read_text()) if path.exists() else {}
    return old.get("results", {}) if old.get("budget") == budget else {}


if __name__ == "__main__":
    main()
