"""The per-instance Pareto frontier: for each val instance, the candidates that score best
there. Kept incrementally as a membership matrix (candidates × fronts), so that adding a
candidate touches its own row and the columns whose best it raised, and the dominance pass
runs over arrays: at 10,000 candidates × 1,000 instances a selection stays within a
few tens of milliseconds (``bench/frontier_update.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

EPS = 1e-9


class Frontier:
    def __init__(self) -> None:
        self.means: dict[str, float] = {}
        self._rows: dict[str, int] = {}          # candidate → row, in insertion order
        self._cols: dict[str, int] = {}          # front (instance or objective) → column
        self._top = np.full(0, -np.inf)          # best value per column
        self._member = np.zeros((0, 0), dtype=bool)
        self._freq: dict[str, int] | None = None  # cached until the next add

    @classmethod
    def from_scores(cls, scores: Mapping[str, Mapping[str, float]]) -> "Frontier":
        f = cls()
        for cid, per_instance in scores.items():
            f.add(cid, per_instance)
        return f

    def add(self, cid: str, per_instance: Mapping[str, float],
            mean: float | None = None) -> None:
        """``per_instance``: the candidate's value in each front (an instance's score, or an
        objective's, see ``orchestrator.fronts``); ``mean``: its mean val score, when the
        fronts are not the instances' scores alone."""
        self._freq = None
        self.means[cid] = sum(per_instance.values()) / max(len(per_instance), 1) \
            if mean is None else mean
        cols = np.fromiter((self._col(k) for k in per_instance), dtype=np.intp,
                           count=len(per_instance))
        row = self._row(cid)
        values = np.fromiter(per_instance.values(), dtype=float, count=len(per_instance))
        top = self._top[cols]
        raised = (values > top + EPS) | np.isneginf(top)
        joined = ~raised & (values >= top - EPS)
        if raised.any():  # a new best there: the old members leave those fronts
            self._member[:, cols[raised]] = False
            self._top[cols[raised]] = values[raised]
        self._member[row, cols[raised | joined]] = True

    def _row(self, cid: str) -> int:
        if cid not in self._rows:
            self._rows[cid] = len(self._rows)
            self._grow()
        return self._rows[cid]

    def _col(self, key: str) -> int:
        if key not in self._cols:
            self._cols[key] = len(self._cols)
            self._grow()
        return self._cols[key]

    def _grow(self) -> None:
        """Room for the rows and columns named so far, doubling as needed."""
        rows, cols = self._member.shape
        need_r, need_c = len(self._rows), len(self._cols)
        if need_r <= rows and need_c <= cols:
            return
        grown = np.zeros((_room(rows, need_r), _room(cols, need_c)), dtype=bool)
        grown[:rows, :cols] = self._member
        top = np.full(grown.shape[1], -np.inf)
        top[:len(self._top)] = self._top
        self._member, self._top = grown, top

    # reads --------------------------------------------------------------------
    @property
    def best(self) -> dict[str, float]:
        """Each front's best value."""
        return {k: float(self._top[c]) for k, c in self._cols.items()}

    @property
    def fronts(self) -> dict[str, set[str]]:
        """Each front's members: the candidates within EPS of its best."""
        names = list(self._rows)
        member = self._view()
        return {k: {names[r] for r in np.flatnonzero(member[:, c])}
                for k, c in self._cols.items()}

    def _view(self) -> np.ndarray:
        return self._member[:len(self._rows), :len(self._cols)]

    def best_candidate(self) -> str | None:
        if not self.means:
            return None
        # ties go to the earliest candidate (dicts keep insertion order)
        best = None
        for cid, mean in self.means.items():
            if best is None or mean > self.means[best] + EPS:
                best = cid
        return best

    def leads(self) -> dict[str, int]:
        """On how many instances each candidate is among the best (ties count for all)."""
        counts = self._view().sum(axis=1)
        return {cid: int(counts[self._rows[cid]]) if cid in self._rows else 0
                for cid in self.means}

    def frequencies(self) -> dict[str, int]:
        """How many instance fronts each non-dominated candidate leads (GEPA's weights).

        A candidate is dominated when every front it sits in also holds another surviving
        candidate; those are dropped, weakest first, so specialists survive. Cached until
        the next ``add``."""
        if self._freq is None:
            self._freq = self._frequencies()
        return dict(self._freq)

    def _frequencies(self) -> dict[str, int]:
        """Weakest first, a candidate goes when each of its fronts keeps another survivor.
        Every front still holds its members not yet visited, so only a front's last member
        in that order can find it holds no one else: a candidate that is last in none of
        its fronts always goes, and only the last members need visiting, in order. One of
        them stays when some front it is last in has no survivor visited before it."""
        member, names = self._view(), list(self._rows)
        if not names:
            return {}
        order = np.array(sorted(range(len(names)), key=lambda r: (
            self.means.get(names[r], 0.0), names[r])), dtype=np.intp)
        # each front's last member: the first one met from the strongest down
        last = len(names) - 1 - member[order[::-1]].argmax(axis=0)
        held = member.any(axis=0)
        covered = np.zeros(member.shape[1], dtype=bool)
        out: dict[str, int] = {}
        for rank in np.unique(last[held]):
            row = order[rank]
            if not covered[(last == rank) & held].all():
                covered |= member[row]
                out[names[row]] = int(member[row].sum())
        return out


def _room(have: int, need: int) -> int:
    return have if need <= have else max(8, 2 * have, need)


def cost_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the score-cost Pareto front of ``(cost, score)`` points (lower cost,
    higher score), cheapest first: each scores above every cheaper one."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    for i in order:
        if not front or points[i][1] > points[front[-1]][1]:
            front.append(i)
    return front
