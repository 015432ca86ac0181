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
from typing import TYPE_CHECKING, Any

from galapagos.archive import Candidate, Evaluation
from galapagos.tasks.protocol import Instance, Task

if TYPE_CHECKING:
    from galapagos.orchestrator.config import Config
    from galapagos.orchestrator.loop import Loop
    from galapagos.orchestrator.state import LoopState

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
    mean = sum(scores) / n
    if all(s in (0, 1) for s in scores):
        return wilson(mean, n, z)
    var = sum((s - mean) ** 2 for s in scores) / (n - 1) if n > 1 else 0.0
    return mean - z * math.sqrt(var / n)


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


def ranked(loop: "Loop") -> list[str]:
    means = loop.frontier.means
    return sorted(loop.frontier.frequencies(), key=lambda c: (-means.get(c, 0), c))


def final_choice(loop: "Loop", best: str) -> str:
    rule, means = loop.cfg.loop.final, loop.frontier.means
    pool = sorted(means, key=lambda c: (-means[c], c))[:LCB_POOL]
    if rule == "mean" or not pool:
        return best
    bounds = {c: lcb([e.score for e in _val(loop, c).values()], loop.cfg.loop.z) for c in pool}
    if rule == "recheck":
        top = sorted(pool, key=lambda c: (means[c], bounds[c], c == best), reverse=True)
        return recheck(loop, top[:loop.cfg.loop.recheck])
    return max(pool, key=lambda c: (bounds[c], means[c], c == best))


def _val(loop: "Loop", cid: str) -> dict[str, Evaluation]:
    ids = [i.id for i in loop.splits["val"]]
    return loop.archive.cached_evaluations(loop.evaluator.task_key, cid, ids, "val")


def recheck(loop: "Loop", pool: Sequence[str]) -> str:
    """Of ``pool`` (best first), the best mean over val and the train instances not written
    into it; its earlier place breaks ties. Minibatch scores already paid are reused."""
    def pooled(cid: str) -> float:
        cand = loop.archive.get_candidate(cid)
        train = [i for i in loop.splits["train"] if not shown(cand, i)]
        scores = [e.score for e in (*_val(loop, cid).values(), *loop.evaluator.run(
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


def test_scores(loop: "Loop", chosen: Sequence[str]) -> dict[str, dict[str, Evaluation]]:
    if not loop.splits["test"]:
        return {}
    return {cid: loop.evaluator.run(loop.archive.get_candidate(cid), loop.splits["test"],
                                    "test", enforce_budget=False) for cid in chosen}


def ensemble(loop: "Loop", members: list[str], test: dict[str, dict[str, Evaluation]]
             ) -> dict[str, Any] | None:
    if len(members) < 3:  # a vote needs three
        return None
    val_ids = [i.id for i in loop.splits["val"]]
    val = {c: _val(loop, c) for c in members}
    v = vote(members, val, val_ids)
    out: dict[str, Any] = {"members": members, "val": sum(v.values()) / max(len(v), 1)}
    if test:
        t = vote(members, test, [i.id for i in loop.splits["test"]])
        out["test"] = sum(t.values()) / max(len(t), 1)
    return out


def summarize(loop: "Loop", state: "LoopState", seed: str) -> dict[str, Any]:
    order = ranked(loop)
    best = final_choice(loop, state["best"])  # type: ignore[arg-type]
    members = order[:loop.cfg.loop.ensemble]
    chosen = list(dict.fromkeys([best, seed, *order[:TEST_FRONTIER_MAX], *members]))
    test = test_scores(loop, chosen)
    return {"best": best, "best_by_mean": state["best"], "seed": seed,
            "choice": choice_note(loop, best, state["best"]),  # type: ignore[arg-type]
            "val": {c: loop.frontier.means.get(c) for c in chosen},
            "test": {c: sum(e.score for e in ev.values()) / max(len(ev), 1)
                     for c, ev in test.items()},
            "frontier": order, "ensemble": ensemble(loop, members, test)}


def choice_note(loop: "Loop", best: str, by_mean: str) -> str:
    """Which rule chose the best, and why it is not the best val mean when it is not."""
    rule, means = loop.cfg.loop.final, loop.frontier.means
    if rule == "mean" or best == by_mean:
        return f"best: the highest val mean ({means.get(best, 0):.3f}; [loop] final = {rule!r})"
    if rule == "recheck":
        return (f"best: the highest mean over val and the train instances not shown in it, "
                f"of the {loop.cfg.loop.recheck} best by val ([loop] final = 'recheck')")
    bound = {c: lcb([e.score for e in _val(loop, c).values()], loop.cfg.loop.z)
             for c in (best, by_mean)}
    return (f"best: the highest lower confidence bound of val ({bound[best]:.3f}, z = "
            f"{loop.cfg.loop.z:g}; [loop] final = 'lcb'); {by_mean[:12]} has the highest "
            f"val mean ({means.get(by_mean, 0):.3f}) but a bound of {bound[by_mean]:.3f}")
