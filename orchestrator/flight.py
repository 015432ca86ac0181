"""Several proposals in flight (``[loop] in_flight = K``): K iterations select, propose and
evaluate at once, as the gepa library's parallel proposals and DGM's parallel children do.

Their parents are all drawn from the frontier as it stands when the flight starts, each
iteration with its own RNG seeded from the run's. The slow parts run in parallel: the
parents' minibatches, the proposals (LLM calls), the children's minibatches and their val
scores. Everything that writes an outcome runs afterwards in iteration order: adopting a
child, accepting it, adding it to the frontier, the events. So a run is the same for a given
seed and K however the threads interleave, and a flight interrupted by a crash re-runs from
its start, its evaluations and cache-keyed LLM answers read back from the archive."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from galapagos.orchestrator.state import LoopState, rng_from, rng_state

if TYPE_CHECKING:
    from galapagos.orchestrator.loop import Loop

FLIGHT_RESET = {"parent": None, "child": None, "proposer": None, "minibatch": [],
                "accepted": False, "resample": False}


def fly(loop: "Loop", state: LoopState) -> dict[str, Any]:
    k = _size(loop, state)
    rng = rng_from(state)
    subs = _plan(loop, state, [rng.getrandbits(64) for _ in range(k)])
    with ThreadPoolExecutor(k) as pool:
        _each(pool, subs, lambda s: loop.parent_eval(s))
        drafts = _draft(pool, loop, subs)
        for sub, (update, prop, parent) in zip(subs, drafts, strict=True):  # in order
            sub.update(update)
            sub.update(loop.settle(sub, prop, parent))
        _warm(pool, [s for s in subs if s.get("child")], loop, "train")
        for sub in subs:
            if sub.get("child"):
                sub.update(loop.child_eval(sub))  # its minibatch: read back
        if not (loop.cfg.loop.stages or loop.cfg.loop.race.enabled):  # those pay in order
            _warm(pool, [s for s in subs if s.get("accepted")], loop, "val")
    return {**_adopt_in_order(loop, state, subs), **FLIGHT_RESET, "rng": rng_state(rng),
            "iteration": subs[-1]["iteration"]}


def _draft(pool: ThreadPoolExecutor, loop: "Loop", subs: list[dict[str, Any]]
           ) -> list[tuple[dict[str, Any], Any, Any]]:
    """Every sub's proposal. Most draft in parallel; a proposer that sees its siblings
    (CARBS: pending suggestions) drafts in iteration order, shown the children drafted
    before it, beside them."""
    since = subs[0]["iteration"]
    alone = {n: pool.submit(loop.draft, s, since) for n, s in enumerate(subs)
             if s["proposer"] not in loop.in_turn}
    in_turn: dict[int, tuple[dict[str, Any], Any, Any]] = {}
    siblings: list[Any] = []
    for n, s in enumerate(subs):
        if n not in alone:
            in_turn[n] = loop.draft(s, since, tuple(siblings))
            if child := getattr(in_turn[n][1], "child", None):
                siblings.append(child)
    return [alone[n].result() if n in alone else in_turn[n] for n in range(len(subs))]


def _size(loop: "Loop", state: LoopState) -> int:
    k, most = loop.cfg.loop.in_flight, loop.cfg.budget.max_iterations
    return max(1, min(k, most - state["iteration"])) if most else k


def _plan(loop: "Loop", state: LoopState, seeds: list[int]) -> list[dict[str, Any]]:
    subs: list[dict[str, Any]] = []
    cursor = state["cursor"]
    for n, seed in enumerate(seeds):
        sub = {**state, "iteration": state["iteration"] + n, "cursor": cursor,
               "rng": rng_state(random.Random(seed))}
        sub.update(loop.select(sub))
        cursor += sub["proposer"] in loop.rotating  # round robin over components, in order
        subs.append(sub)
    return subs


def _adopt_in_order(loop: "Loop", state: LoopState, subs: list[dict[str, Any]]
                    ) -> dict[str, Any]:
    carry = {k: state[k] for k in ("best", "best_val", "improved_at")}  # type: ignore[literal-required]
    merges = list(state["tried_merges"])
    for sub in subs:
        sub.update(carry)
        if sub.get("child") and sub.get("accepted"):
            carry.update(loop.validate(sub))
        merges += [m for m in sub["tried_merges"] if m not in merges]
    failed = sum(s["failed_iterations"] - state["failed_iterations"] for s in subs)
    return {**carry, "tried_merges": merges,
            "failed_iterations": state["failed_iterations"] + failed,
            "cursor": subs[-1]["cursor"] + (subs[-1]["proposer"] in loop.rotating)}


def _warm(pool: ThreadPoolExecutor, subs: list[dict[str, Any]], loop: "Loop",
          split: str) -> None:
    """Pay the evaluations the in-order steps will read back, all at once."""
    def pay(sub: dict[str, Any]) -> None:
        child = loop.archive.get_candidate(sub["child"])
        batch = loop.minibatch(sub) if split == "train" else loop.splits["val"]  # type: ignore[arg-type]
        loop.evaluator.run(child, batch, split)
    list(pool.map(pay, subs))


def _each(pool: ThreadPoolExecutor, subs: list[dict[str, Any]],
          step: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    for sub, update in zip(subs, list(pool.map(step, subs)), strict=True):
        sub.update(update)
