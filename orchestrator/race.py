"""Racing validation: a child that won its minibatch is scored on val a chunk at a time,
in the run's fixed val order, beside its parent's scores on the same instances; it stops
as soon as it is unlikely to beat the parent (a paired bound on the per-instance
differences) or cannot reach the parent's mean even if it got every instance left right.

A child that finishes the race is fully validated, as without racing; one that stops
never enters the pool or the frontier (its partial scores stay in the archive, cached),
which is what staged validation does with fixed thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from galapagos.orchestrator.stats import paired_mean_se
from galapagos.orchestrator.stats import total as sum_of


@dataclass(frozen=True)
class Standing:
    """Where a child stands after ``n`` of ``total`` val instances."""

    n: int
    total: int
    mean_diff: float   # mean of child minus parent, per instance so far
    bound: float       # mean_diff plus z standard errors: the optimistic case
    reachable: bool    # the child can still reach the parent's full val mean

    @property
    def saved(self) -> int:
        return self.total - self.n


def standing(child: Sequence[float], parent: Sequence[float], parent_total: float,
             total: int, z: float, perfect: float = 1.0) -> Standing:
    """``child`` and ``parent`` are scores on the same first instances; ``parent_total``
    is the parent's sum over all ``total`` val instances."""
    n = len(child)
    mean, se = paired_mean_se(child, parent)
    left = (total - n) * perfect if n < total else 0.0  # (an unknown perfect is inf)
    reachable = not sum_of(child) + left < parent_total - 1e-9  # (a NaN sum: reachable)
    return Standing(n, total, mean, mean + z * se, reachable)


def stops(s: Standing, min_instances: int) -> bool:
    """Stop before the last instance: the child cannot reach the parent, or, after
    ``min_instances``, even its optimistic mean difference is below zero. A child scored
    on every instance is fully validated, whatever its score (it may still hold a place
    on the per-instance frontier)."""
    return s.n < s.total and (not s.reachable or (s.n >= min_instances and s.bound < 0))


def chunks(n: int, chunk: int, min_instances: int) -> list[int]:
    """The prefix lengths at which the race looks: the minimum first, then every chunk."""
    first = min(max(min_instances, 1), n)
    return [first, *range(first + chunk, n, chunk), n] if first < n else [n]
