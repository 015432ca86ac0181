"""Whether a child's minibatch scores win it validation (``[loop] acceptance``):

- ``strict``: its sum beats the parent's;
- ``non_decreasing``: its sum at least ties the parent's;
- ``paired``: the mean of its per-instance differences from the parent (ties count as
  zero) stays above zero by ``z`` standard errors, so a win on one instance of four, the
  usual noise-only win, is not enough (two net wins of four are);
- ``all``: always (the Darwin Gödel Machine's "keep every child that compiles")."""

from __future__ import annotations

from collections.abc import Sequence
from galapagos.orchestrator.stats import paired_mean_se

EPS = 1e-9
NEVER_ABOVE_PARENT = ("strict", "paired")  # rules no child of a perfect parent can pass


def accepts(rule: str, child: Sequence[float], parent: Sequence[float], z: float) -> bool:
    """``child`` and ``parent`` are scores on the same minibatch instances, in one order."""
    if rule == "all":
        return True
    if rule == "paired":
        return paired_win(child, parent, z)
    if rule == "strict":
        return sum(child) > sum(parent) + EPS
    return sum(child) >= sum(parent) - EPS


def paired_win(child: Sequence[float], parent: Sequence[float], z: float) -> bool:
    if not child:
        return False
    mean, se = paired_mean_se(child, parent)
    return mean - z * se > EPS
