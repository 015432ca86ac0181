"""What the frontier's fronts are: the kinds the gepa library offers, over the task's score
and its declared objectives (each with a direction).

- ``instance``: one front per val instance, on its score (GEPA's);
- ``objective``: one front per objective, on its val mean (the score's is ``@score``);
- ``hybrid``: both;
- ``cartesian``: one front per (val instance, objective).

A candidate's entry in a front is "higher is better" (a minimised objective is negated), so
the frontier, its dominance pruning and frequency-weighted parent selection are the same
code for every kind. Acceptance (the minibatch score) and "best" (the highest mean val
score) are the score's whatever the kind: the objectives widen who may be a parent.

A kind is an ``Entries`` function registered in ``strategies.FRONTIERS``; a plug-in adds
one through the ``galapagos.frontiers`` entry-point group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from galapagos.archive import Archive, Evaluation, Frontier

Direction = Literal["min", "max"]
Results = Mapping[str, tuple[float, Mapping[str, float]]]  # instance -> (score, objectives)


@dataclass(frozen=True)
class Fronts:
    kind: str = "instance"  # a name in strategies.FRONTIERS
    objectives: Mapping[str, Direction] = field(default_factory=dict)

    def entries(self, results: Results) -> dict[str, float]:
        """One candidate's value in each front it has a value for (higher is better)."""
        from galapagos.orchestrator.strategies import FRONTIERS

        return FRONTIERS.get(self.kind).build(None)(self, results)

    def signed(self, score: float, objectives: Mapping[str, float]) -> dict[str, float]:
        """The score and each declared objective, higher is better."""
        out = {"score": score}
        for name, direction in self.objectives.items():
            if name in objectives:
                out[name] = objectives[name] if direction == "max" else -objectives[name]
        return out

    def means(self, results: Results) -> dict[str, float]:
        """The val means of the score and of each objective, signed, as ``@name`` fronts."""
        means = self.signed(_mean(s for s, _ in results.values()), {
            n: _mean([o[n] for _, o in results.values() if n in o]) for n in self.objectives
            if any(n in o for _, o in results.values())})
        return {f"@{name}": v for name, v in means.items()}

    def add(self, frontier: Frontier, cid: str, evals: Mapping[str, Evaluation]) -> None:
        self._put(frontier, cid, {i: (e.score, e.objectives) for i, e in evals.items()})

    def rebuild(self, archive: Archive, task_key: str, pool: list[str],
                val_ids: set[str]) -> Frontier:
        """The frontier of ``pool`` from the archive (a resume): the same as it was built."""
        frontier = Frontier()
        for cid, results in archive.val_results(task_key, pool).items():
            self._put(frontier, cid, {i: r for i, r in results.items() if i in val_ids})
        return frontier

    def _put(self, frontier: Frontier, cid: str, results: Results) -> None:
        frontier.add(cid, self.entries(results), mean=_mean(s for s, _ in results.values()))


Entries = Callable[[Fronts, Results], dict[str, float]]


def instance_entries(fronts: Fronts, results: Results) -> dict[str, float]:
    return {i: s for i, (s, _) in results.items()}


def objective_entries(fronts: Fronts, results: Results) -> dict[str, float]:
    return fronts.means(results)


def hybrid_entries(fronts: Fronts, results: Results) -> dict[str, float]:
    return {**instance_entries(fronts, results), **fronts.means(results)}


def cartesian_entries(fronts: Fronts, results: Results) -> dict[str, float]:
    return {f"{i}@{name}": v for i, (s, objs) in results.items()
            for name, v in fronts.signed(s, objs).items()}


def tradeoffs(archive: Archive, task_key: str, pool: list[str],
              objectives: Mapping[str, Direction]) -> list[dict[str, float | str]]:
    """The pool members no other beats on the mean score and every objective's val mean at
    once (each objective its way), best score first: the run's trade-off front."""
    points: dict[str, dict[str, float]] = {}
    for cid, results in archive.val_results(task_key, pool).items():
        if results:
            points[cid] = {"score": _mean(s for s, _ in results.values()), **{
                n: _mean(o[n] for _, o in results.values() if n in o) for n in objectives}}
    sign = {n: 1.0 if objectives.get(n, "max") == "max" else -1.0 for n in ("score",
                                                                            *objectives)}

    def beats(a: dict[str, float], b: dict[str, float]) -> bool:
        diffs = [sign[n] * (a[n] - b[n]) for n in sign]
        return all(d >= 0 for d in diffs) and any(d > 0 for d in diffs)

    front = [c for c, p in points.items() if not any(beats(q, p) for q in points.values())]
    return sorted(({"candidate": c, **points[c]} for c in front),
                  key=lambda r: (-float(r["score"]), str(r["candidate"])))


def _mean(values: object) -> float:
    xs = list(values)  # type: ignore[call-overload]
    return sum(xs) / len(xs) if xs else 0.0
