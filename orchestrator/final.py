"""What a finished run reports: the final choice, the test scores, and the ensemble.

Val has few instances, so the candidate with the best val mean is often a lucky one. Three
guards: ``[loop] final = "lcb"`` chooses by a lower confidence bound of its per-instance val
scores (Wilson's for pass/fail scores, else the mean minus z standard errors), ties broken
by the mean; ``final = "recheck"`` scores
the best few by val again on the train instances not written into them, from metric calls
the search left for it, and chooses by the mean over both; and an ensemble of the top
frontier members (a majority vote of their outputs per instance, ties to the better-ranked
member) is reported beside the single best. The vote's score on an instance is the score of
a member that gave the winning output, so it holds for tasks whose score is a function of
the output. Test is scored only here, after every choice is made."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from galapagos.archive import Archive, Candidate, Evaluation, Frontier
from galapagos.tasks.protocol import Instance, Task
from galapagos.orchestrator.stats import mean_se

if TYPE_CHECKING:
    from galapagos.orchestrator.config import Config
    from galapagos.orchestrator.config_search import LoopConfig
    from galapagos.orchestrator.evaluator import Evaluator
    from galapagos.orchestrator.state import LoopState


@dataclass(frozen=True)
class Finals:
    """What choosing and scoring the final candidates reads: the ``[loop]`` settings
    (final, z, recheck, ensemble), the frontier, the splits, the archive, and the evaluator
    that pays the recheck's and the test's metric calls."""

    settings: LoopConfig
    frontier: Frontier
    splits: dict[str, list[Instance]]
    archive: Archive
    evaluator: Evaluator


TEST_FRONTIER_MAX = 5  # frontier members scored on test besides the best and the seed
LCB_POOL = 10          # candidates, best val means first, that "lcb" weighs


def lcb(scores: Sequence[float], z: float) -> float:
    """A lower confidence bound of the mean score. Pass/fail scores take Wilson's bound,
    which gives a candidate that failed every instance 0 and one that passed 1 of 5 more
    (mean minus standard errors would give both 0 and ignore the pass: zero variance is not
    certainty); other scores take the mean minus ``z`` standard errors."""
    n = len(scores)
    if n == 0:
        return -math.inf
    mean, se = mean_se(scores)
    if all(s in (0, 1) for s in scores):
        return wilson(mean, n, z)
    return mean - z * se


def wilson(p: float, n: int, z: float) -> float:
    """Wilson's score interval's lower end for ``p`` passes in ``n`` tries."""
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def vote(members: Sequence[str], evals: dict[str, dict[str, Evaluation]],
         instance_ids: Sequence[str]) -> dict[str, float]:
    """Per instance, the score of the output most members gave (ties: the first member's)."""
    out: dict[str, float] = {}
    for iid in instance_ids:
        counts: dict[str, list[Evaluation]] = {}
        for cid in members:
            ev = evals[cid][iid]
            counts.setdefault(" ".join(ev.output.split()).lower(), []).append(ev)
        out[iid] = max(counts.values(), key=len)[0].score  # of equal counts, the first formed
    return out


def ranked(run: Finals) -> list[str]:
    means = run.frontier.means
    return sorted(run.frontier.frequencies(), key=lambda c: (-means.get(c, 0), c))


def final_choice(run: Finals, best: str) -> str:
    rule, means = run.settings.final, run.frontier.means
    pool = sorted(means, key=lambda c: (-means[c], c))[:LCB_POOL]
    if rule == "mean" or not pool:
        return best
    bounds = {c: lcb([e.score for e in _val(run, c).values()], run.settings.z) for c in pool}
    if rule == "recheck":
        top = sorted(pool, key=lambda c: (means[c], bounds[c], c == best), reverse=True)
        return recheck(run, top[:run.settings.recheck])
    return max(pool, key=lambda c: (bounds[c], means[c], c == best))


def _val(run: Finals, cid: str) -> dict[str, Evaluation]:
    ids = [i.id for i in run.splits["val"]]
    return run.archive.cached_evaluations(run.evaluator.task_key, cid, ids, "val")


def recheck(run: Finals, pool: Sequence[str]) -> str:
    """Of ``pool`` (best first), the best mean over val and the train instances not written
    into it; its earlier place breaks ties. Minibatch scores already paid are reused."""
    def pooled(cid: str) -> float:
        cand = run.archive.get_candidate(cid)
        train = [i for i in run.splits["train"] if not shown(cand, i)]
        scores = [e.score for e in (*_val(run, cid).values(), *run.evaluator.run(
            cand, train, "train", enforce_budget=False).values())]
        return sum(scores) / max(len(scores), 1)

    means = {c: pooled(c) for c in pool}
    return max(pool, key=lambda c: (means[c], -pool.index(c)))


def shown(cand: Candidate, inst: Instance) -> bool:
    """Whether the instance's input is written into the candidate (as a demo's, say, plain
    or JSON-escaped): its score there would measure recall, not skill."""
    text = inst.input if isinstance(inst.input, str) else json.dumps(inst.input)
    forms = [f for f in (text.strip(), json.dumps(text.strip(), ensure_ascii=False)[1:-1],
                         json.dumps(text.strip())[1:-1]) if f]
    return any(f in body for body in cand.view().values() for f in forms)


def kept_calls(cfg: "Config", task: Task) -> int:
    """Metric calls the search leaves to 'recheck' (at most ``recheck`` train splits)."""
    if cfg.loop.final != "recheck":
        return 0
    return cfg.loop.recheck * sum(1 for i in task.instances() if i.split == "train")


def test_scores(run: Finals, chosen: Sequence[str]) -> dict[str, dict[str, Evaluation]]:
    if not run.splits["test"]:
        return {}
    return {cid: run.evaluator.run(run.archive.get_candidate(cid), run.splits["test"],
                                    "test", enforce_budget=False) for cid in chosen}


def ensemble(run: Finals, members: list[str], test: dict[str, dict[str, Evaluation]]
             ) -> dict[str, Any] | None:
    if len(members) < 3:  # a vote needs three
        return None
    val_ids = [i.id for i in run.splits["val"]]
    val = {c: _val(run, c) for c in members}
    v = vote(members, val, val_ids)
    out: dict[str, Any] = {"members": members, "val": sum(v.values()) / max(len(v), 1)}
    if test:
        t = vote(members, test, [i.id for i in run.splits["test"]])
        out["test"] = sum(t.values()) / max(len(t), 1)
    return out


def summarize(run: Finals, state: "LoopState", seed: str) -> dict[str, Any]:
    order = ranked(run)
    best = final_choice(run, state["best"])  # type: ignore[arg-type]
    members = order[:run.settings.ensemble]
    chosen = list(dict.fromkeys([best, seed, *order[:TEST_FRONTIER_MAX], *members]))
    test = test_scores(run, chosen)
    return {"best": best, "best_by_mean": state["best"], "seed": seed,
            "choice": choice_note(run, best, state["best"]),  # type: ignore[arg-type]
            "val": {c: run.frontier.means.get(c) for c in chosen},
            "test": {c: sum(e.score for e in ev.values()) / max(len(ev), 1)
                     for c, ev in test.items()},
            "frontier": order, "ensemble": ensemble(run, members, test)}


def choice_note(run: Finals, best: str, by_mean: str) -> str:
    """Which rule chose the best, and why it is not the best val mean when it is not."""
    rule, means = run.settings.final, run.frontier.means
    if rule == "mean" or best == by_mean:
        return f"best: the highest val mean ({means.get(best, 0):.3f}; [loop] final = {rule!r})"
    if rule == "recheck":
        return (f"best: the highest mean over val and the train instances not shown in it, "
                f"of the {run.settings.recheck} best by val ([loop] final = 'recheck')")
    bound = {c: lcb([e.score for e in _val(run, c).values()], run.settings.z)
             for c in (best, by_mean)}
    return (f"best: the highest lower confidence bound of val ({bound[best]:.3f}, z = "
            f"{run.settings.z:g}; [loop] final = 'lcb'); {by_mean[:12]} has the highest "
            f"val mean ({means.get(by_mean, 0):.3f}) but a bound of {bound[by_mean]:.3f}")
