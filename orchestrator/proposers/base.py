"""The proposer protocol: something that makes a new candidate from a parent and what the
parent did on a train minibatch. Proposers see train data only, never val or test."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from galapagos.archive import Candidate, Evaluation, Frontier
from galapagos.tasks.protocol import Editable, Instance


@dataclass(frozen=True)
class Attempt:
    """A child tried on a parent and rejected: what the proposer said, why it was turned
    down, the minibatch sums (when it was scored) and the child's id (when it was kept)."""

    what: str
    reason: str
    child: str | None = None
    child_mb: float | None = None
    parent_mb: float | None = None

    def __str__(self) -> str:
        scores = (f" (minibatch {self.child_mb:g} against the parent's "
                  f"{self.parent_mb or 0:g})" if self.child_mb is not None else "")
        return f"{self.what}: {self.reason}{scores}"


@dataclass
class ProposalContext:
    run_id: str
    iteration: int
    parent: Candidate
    minibatch: Sequence[Instance]
    results: dict[str, Evaluation]
    train: Sequence[Instance]
    rng: random.Random
    frontier: Frontier
    get_candidate: Callable[[str], Candidate]
    lineage: Callable[[str], list[str]]
    component_cursor: int = 0
    demo_component: str | None = None
    tried: set[str] = field(default_factory=set)  # keys proposals asked the run to keep
    editable: Editable | None = None     # program tasks: what may change
    attempts: Callable[[str], list[Attempt]] = lambda cid: []  # rejected tries on a parent
    # the first iteration of this proposal's flight: what the archive holds from it on may
    # be a crashed try's, so state a proposer reads back stops before it (exact resume)
    since: int = 0
    siblings: Sequence[Candidate] = ()  # children drafted earlier in this flight (in_turn)

    def cache_key(self, who: str, prompt: str) -> str:
        """The key under which an LLM answer to ``prompt`` is kept for this iteration, so
        that a resumed run is served the answer it paid for instead of asking again:
        ``<run id>:<iteration>:<who>:<prompt digest>`` (the archive reads the iteration
        back from it). Every proposer that calls an LLM passes it as ``cache_key``."""
        digest = hashlib.sha256(prompt.encode()).hexdigest()[:16]
        return f"{self.run_id}:{self.iteration}:{who}:{digest}"


@dataclass
class Proposal:
    """A child candidate, or the reason there is none (a rejected proposal)."""

    proposer: str
    child: Candidate | None = None
    rejected: str | None = None
    note: str = ""
    remember: str | None = None  # a key the run keeps for later proposals (ctx.tried)
    meta_prompt: str | None = None  # the meta-prompt a reflective proposal used (STOP's yield)
    resample: bool = False  # child is a candidate of the run to score again (CARBS), not new


class Proposer(Protocol):
    name: str

    def propose(self, ctx: ProposalContext) -> Proposal: ...
