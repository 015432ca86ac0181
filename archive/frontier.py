"""The per-instance Pareto frontier: for each val instance, the candidates that score best
there. Kept incrementally (adding a candidate touches each instance once) so selection
stays cheap with thousands of candidates."""

from __future__ import annotations

from collections.abc import Mapping

EPS = 1e-9


class Frontier:
    def __init__(self) -> None:
        self.best: dict[str, float] = {}
        self.fronts: dict[str, set[str]] = {}
        self.means: dict[str, float] = {}
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
        for iid, score in per_instance.items():
            best = self.best.get(iid)
            if best is None or score > best + EPS:
                self.best[iid] = score
                self.fronts[iid] = {cid}
            elif score >= best - EPS:
                self.fronts[iid].add(cid)

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
        out = {cid: 0 for cid in self.means}
        for front in self.fronts.values():
            for cid in front:
                out[cid] += 1
        return out

    def frequencies(self) -> dict[str, int]:
        """How many instance fronts each non-dominated candidate leads (GEPA's weights).

        A candidate is dominated when every front it sits in also holds another surviving
        candidate; those are dropped, weakest first, so specialists survive. Cached until
        the next ``add``."""
        if self._freq is None:
            self._freq = self._frequencies()
        return dict(self._freq)

    def _frequencies(self) -> dict[str, int]:
        fronts = list(self.fronts.values())
        alive_in = [len(f) for f in fronts]          # surviving members per front
        fronts_of: dict[str, list[int]] = {}
        for k, front in enumerate(fronts):
            for cid in front:
                fronts_of.setdefault(cid, []).append(k)
        alive = set(fronts_of)
        for cid in sorted(fronts_of, key=lambda c: (self.means.get(c, 0.0), c)):
            mine = fronts_of[cid]
            if all(alive_in[k] > 1 for k in mine):  # another survivor leads each of its fronts
                alive.discard(cid)
                for k in mine:
                    alive_in[k] -= 1
        return {cid: len(fronts_of[cid]) for cid in alive}
