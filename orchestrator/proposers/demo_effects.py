"""The measured effect of each train instance as a demonstration, read from the run's own
iterations: a demos child records which instances it added, and its minibatch score
against its parent's is that addition's effect. The demos proposer prefers instances whose
effect was good, tries untried ones next, and removes the worst first (an upper confidence
bound, so a demo seen to help once is not trusted forever).

Only iterations before the current one count, so a resumed run chooses as an unbroken
one does."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

BONUS = 1.0  # the optimism of an untried demo, in minibatch points


@dataclass
class Effects:
    """Summed minibatch gains and counts per train instance id."""

    gain: dict[str, float] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, instance_id: str, gain: float) -> None:
        self.gain[instance_id] = self.gain.get(instance_id, 0.0) + gain
        self.seen[instance_id] = self.seen.get(instance_id, 0) + 1

    def score(self, instance_id: str) -> float:
        """Mean gain plus an exploration bonus shrinking with the tries."""
        n = self.seen.get(instance_id, 0)
        mean = self.gain.get(instance_id, 0.0) / n if n else 0.0
        return mean + BONUS / math.sqrt(1 + n)


def measured(records: Iterable[Any], added: dict[str, list[str]], before: int) -> Effects:
    """Effects from iteration records (``IterationEnded``) of demos children scored on their
    minibatch before iteration ``before``; ``added`` maps a child id to the instances it
    added (its meta)."""
    out = Effects()
    for r in records:
        if (r.iteration < before and r.child in added and r.child_mb is not None
                and r.parent_mb is not None):
            for instance_id in added[r.child]:
                out.add(instance_id, r.child_mb - r.parent_mb)
    return out


def from_archive(archive: Any, run_id: str, before: int, proposer: str) -> Effects:
    records = [r for r in archive.iterations(run_id) if r.proposer == proposer and r.child]
    added = {r.child: list(archive.get_candidate(r.child).meta.get("added", []))
             for r in records if r.iteration < before}
    return measured(records, added, before)
