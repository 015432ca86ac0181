"""The run's events, typed: one frozen dataclass per kind. Each is written once to the
``events`` table as JSON (its fields, less ``run_id`` and ``iteration``, which are columns,
and less any optional field left at None) and read back as the same class.

Archives written before the types existed read too: a field their JSON lacks takes its
default, a key the class does not know is dropped, and an iteration's meta-prompt (which
the reflective proposers once wrote only into the note, as "... (m0123456789)") is read
from the note when the field is missing."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Outcome = Literal["accepted", "rejected", "failed", "staged_out", "resampled"]
_OLD_META = re.compile(r"\((m[0-9a-f]{10})\)$")


@dataclass(frozen=True)
class RunEvent:
    """What every event carries: its run and the iteration it belongs to (0: the seed)."""

    kind: ClassVar[str] = ""
    run_id: str
    iteration: int

    def data(self) -> dict[str, Any]:
        """The JSON payload: every field but the two columns; None means absent."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("run_id", "iteration") and getattr(self, f.name) is not None}

    @classmethod
    def from_data(cls, run_id: str, iteration: int, data: dict[str, Any]) -> RunEvent:
        known = {f.name for f in dataclasses.fields(cls)} - {"run_id", "iteration"}
        return cls(run_id, iteration, **{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class SeedScored(RunEvent):
    """The seed candidate's mean val score (the run's first best)."""

    kind: ClassVar[str] = "seed"
    candidate: str = ""
    val: float = 0.0


@dataclass(frozen=True)
class IterationEnded(RunEvent):
    """One iteration's outcome and the run's figures after it. Scores on the minibatch are
    train scores (sums); ``val`` is set only for an accepted child."""

    kind: ClassVar[str] = "iteration"
    outcome: Outcome = "failed"
    parent: str | None = None
    proposer: str | None = None
    metric_calls: int = 0
    llm_usd: float = 0.0
    llm_tokens: int = 0
    gpu_s: float = 0.0
    elapsed_s: float = 0.0
    frontier: int = 0
    best_val: float = 0.0
    child: str | None = None
    parent_mb: float | None = None
    child_mb: float | None = None
    val: float | None = None
    new_best: bool | None = None
    reason: str | None = None   # why a child was rejected or staged out
    note: str | None = None     # the proposer's own words on a rejected proposal
    error: str | None = None    # the fault that failed the iteration
    meta_prompt: str | None = None  # the meta-prompt a reflective proposal used
    stage: int | None = None        # staged_out: the stage missed, its score and bar
    stage_val: float | None = None
    bar: float | None = None
    saved_calls: int | None = None  # val calls the cascade did not pay

    @classmethod
    def from_data(cls, run_id: str, iteration: int, data: dict[str, Any]) -> RunEvent:
        if "meta_prompt" not in data and (old := _OLD_META.search(data.get("note") or "")):
            data = {**data, "meta_prompt": old.group(1)}
        return super().from_data(run_id, iteration, data)

    @property
    def minibatch(self) -> str:
        """"parent → child" on the minibatch, or "-" where the child was not scored."""
        if self.child_mb is None:
            return "-"
        return f"{self.parent_mb or 0:g} → {self.child_mb:g}"

    @property
    def why(self) -> str:
        return self.reason or self.error or ""


@dataclass(frozen=True)
class BestImproved(RunEvent):
    """A child whose val mean beat the best so far."""

    kind: ClassVar[str] = "best"
    candidate: str = ""
    val: float = 0.0


@dataclass(frozen=True)
class RunFinished(RunEvent):
    """The run stopped: why, and its summary (the same dict as ``runs.summary``)."""

    kind: ClassVar[str] = "finish"
    stop_reason: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"stop_reason": self.stop_reason, **self.summary}

    @classmethod
    def from_data(cls, run_id: str, iteration: int, data: dict[str, Any]) -> RunEvent:
        rest = {k: v for k, v in data.items() if k != "stop_reason"}
        return cls(run_id, iteration, data.get("stop_reason"), rest)


KINDS: dict[str, type[RunEvent]] = {
    c.kind: c for c in (SeedScored, IterationEnded, BestImproved, RunFinished)}


def read_event(kind: str, run_id: str, iteration: int, data: dict[str, Any]) -> RunEvent:
    """The typed event of an ``events`` row; a kind this version does not know (a newer
    archive's) reads as the bare base event rather than failing the whole read."""
    cls = KINDS.get(kind)
    return cls.from_data(run_id, iteration, data) if cls else RunEvent(run_id, iteration)
