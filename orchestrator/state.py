"""The loop's typed state, checkpointed by LangGraph after every node. It holds only what
is needed to continue exactly (iteration, RNG state, the iteration in progress); the
candidates and scores themselves live in the archive."""

from __future__ import annotations

import random
from typing import Any, TypedDict


class LoopState(TypedDict, total=False):
    run_id: str
    seeded: bool
    iteration: int
    rng: list[Any]
    elapsed_s: float
    parent: str | None
    minibatch: list[str]
    proposer: str | None
    child: str | None
    parent_mb: float
    child_mb: float
    accepted: bool
    resample: bool           # the child is a candidate scored again on a new minibatch
    best: str | None
    best_val: float
    improved_at: int
    cursor: int
    tried_merges: list[str]  # keys proposals asked to keep (ProposalContext.tried); named
    #                          for merge, its first user, as checkpoints hold it
    failed_iterations: int
    stop_reason: str | None
    resume_at: str | None      # the node a budget stop interrupted: resume starts there


def rng_from(state: LoopState) -> random.Random:
    rng = random.Random()
    version, internal, gauss = state["rng"]
    rng.setstate((version, tuple(internal), gauss))
    return rng


def rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def initial_state(run_id: str, seed: int) -> LoopState:
    return LoopState(run_id=run_id, seeded=False, iteration=0,
                     rng=rng_state(random.Random(seed)), elapsed_s=0.0, parent=None,
                     minibatch=[], proposer=None, child=None, parent_mb=0.0, child_mb=0.0,
                     accepted=False, best=None, best_val=0.0, improved_at=0, cursor=0,
                     tried_merges=[], failed_iterations=0, stop_reason=None,
                     resume_at=None)
