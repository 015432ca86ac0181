"""Which mutation proposer an iteration draws (``[proposers.bandit]``): by the configured
weights alone, or, with the bandit on, by each proposer's measured yield per unit of cost in
this run, so a proposer whose children keep entering the pool gets a larger share of the
budget than one whose children are rejected.

A proposer's yield is the share of its iterations whose child was accepted into the pool;
its cost is the metric calls (or LLM dollars) those iterations spent, read from the
run-wide figures each iteration record carries. Its share is its weight times
``(1 + accepted) / (prior + cost)`` (``prior``: the cost a proposer is credited with before
it is tried, so an untried one is not starved), mixed with the plain weights by
``explore``. Only iterations before the current one count, and a flight's selections all
happen before any of its iterations ends, so a resumed run draws as an unbroken one does.
Merge keeps its own schedule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Cost = Literal["calls", "usd"]


@dataclass
class Tally:
    """One proposer's iterations, children accepted and cost spent."""

    tries: int = 0
    accepted: int = 0
    cost: float = 0.0


@dataclass
class Tallies:
    """Per-proposer tallies, built incrementally from a run's iteration records."""

    cost: Cost = "calls"
    by_proposer: dict[str, Tally] = field(default_factory=dict)
    upto: int = 0  # the last iteration folded in
    last: float | None = None  # the run-wide cost after it (None: the first is a baseline)

    def fold(self, records: Iterable[Any], before: int) -> None:
        """Fold in, in order, the records after ``upto`` of iterations before ``before``
        (``Archive.iterations(run_id, after=upto)``). The first record's cost is unknown
        (the run's figure then includes the seed's), so it only sets the baseline."""
        for r in records:
            if r.iteration >= before:
                break
            if r.iteration <= self.upto:
                continue
            now = float(r.metric_calls if self.cost == "calls" else r.llm_usd)
            spent = 0.0 if self.last is None else max(now - self.last, 0.0)
            self.last, self.upto = now, r.iteration
            if r.proposer:
                t = self.by_proposer.setdefault(r.proposer, Tally())
                t.tries += 1
                t.accepted += r.outcome == "accepted"
                t.cost += spent


def shares(names: Sequence[str], weights: Sequence[float], tallies: Tallies,
           prior: float, explore: float) -> list[float]:
    """Each proposer's draw weight: its weight times its yield per cost, normalised, mixed
    with the normalised weights by ``explore``."""
    total_w = sum(weights) or 1.0
    rates = [w * (1 + t.accepted) / (prior + t.cost)
             for w, t in ((w, tallies.by_proposer.get(n, Tally()))
                          for n, w in zip(names, weights, strict=True))]
    total_r = sum(rates) or 1.0
    return [(1 - explore) * r / total_r + explore * w / total_w
            for r, w in zip(rates, weights, strict=True)]
