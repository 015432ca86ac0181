"""The CARBS proposer: the parent's program with its knobs (``carbs/space.py``) set to
CARBS' next suggestion, everything else inherited. Every candidate of the run that
declares the same knobs and was scored on train is an observation (its mean train score,
its cost, whether it failed), read from the archive each time, so the proposer keeps no
state of its own and resume is exact. Mixed with ``code_edit``/``literal``/``reflective``,
it tunes the knobs of whichever program the selector picks: a structural child keeps its
parent's knob values until CARBS next moves them. On a prompt task the knobs are the model
settings a ``[search_space]`` wrote into the candidate's settings component (the task's
``settings_component``); the other components are inherited the same way."""

from __future__ import annotations

from typing import Any

import numpy as np

from galapagos.archive import Candidate
from galapagos.errors import ConfigError
from galapagos.orchestrator.carbs.box import Box
from galapagos.orchestrator.carbs.model import Observation
from galapagos.orchestrator.carbs.search import DEFAULT, Settings, pareto_front, suggest
from galapagos.orchestrator.carbs.space import (SEARCH_SPACE, Knob, knobs_in, values_in,
                                                with_values)
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext


class CarbsProposer:
    name = "carbs"

    def __init__(self, archive: Any, cost: str = "duration_s",
                 settings: Settings = DEFAULT, component: str | None = None,
                 siblings: bool = True):
        self.archive, self.cost, self.settings = archive, cost, settings
        self.component = component  # a prompt task's settings component
        self.siblings = siblings  # count the flight's earlier suggestions as pending

    def texts(self, candidate: Candidate) -> dict[str, str]:
        """Where the candidate declares its knobs: its files, or its settings component."""
        if self.component and self.component in candidate.components:
            return {**candidate.files, SEARCH_SPACE: candidate.components[self.component]}
        return candidate.files

    def with_texts(self, parent: Candidate, texts: dict[str, str], meta: dict[str, Any]
                   ) -> Candidate:
        """The parent with its knob declarations replaced by ``texts``."""
        components, files = dict(parent.components), dict(texts)
        if SEARCH_SPACE in files and self.component:
            components[self.component] = files.pop(SEARCH_SPACE)
        return Candidate(components, (parent.id,), self.name, meta, files)

    def propose(self, ctx: ProposalContext) -> Proposal:
        texts = self.texts(ctx.parent)
        try:
            knobs = knobs_in(texts)
        except ConfigError as exc:  # a structural child broke a declaration
            return Proposal(self.name, rejected=f"the parent's knobs do not read: {exc}")
        if not knobs:
            return Proposal(self.name, rejected="the parent declares no knobs "
                            "('NAME = value  # knob: log')")
        names = sorted(knobs)
        center = basic(knobs, names, values_in(texts, knobs))
        scored, pending = self.state(ctx, knobs, names)
        observed = self.observed(ctx.run_id, knobs, names, scored)  # read once for both
        if again := self.resample(ctx, observed):
            return again
        x = suggest(center, [o for _, o in observed], pending, ctx.rng, self.settings,
                    Box(tuple(knobs[n] for n in names)))
        values = {n: knobs[n].from_basic(float(v)) for n, v in zip(names, x, strict=True)}
        note = ", ".join(f"{n}={knobs[n].text(values[n])}" for n in names)
        child = self.with_texts(ctx.parent, with_values(texts, knobs, values),
                                {"knobs": {n: values[n] for n in names}})
        return Proposal(self.name, child=child, note=note)

    def observations(self, run_id: str, knobs: dict[str, Knob], names: list[str],
                     scored: dict[str, tuple[float, float, bool]] | None = None
                     ) -> list[Observation]:
        return [o for _, o in self.observed(run_id, knobs, names, scored)]

    def observed(self, run_id: str, knobs: dict[str, Knob], names: list[str],
                 scored: dict[str, tuple[float, float, bool]] | None = None
                 ) -> list[tuple[str, Observation]]:
        """Each scored candidate that sets these knobs, with its observation."""
        if scored is None:
            scored = self.archive.train_outcomes(run_id, self.cost)
        out = []
        for cid, (score, cost, failed) in sorted(scored.items()):
            values = values_in(self.texts(self.archive.get_candidate(cid)), knobs)
            if set(values) == set(names):
                out.append((cid, Observation(basic(knobs, names, values), score,
                                             max(float(cost or 0.0), 1e-9), failed)))
        return out

    def resample(self, ctx: ProposalContext, observed: list[tuple[str, Observation]]
                 ) -> Proposal | None:
        """Every ``resample_every`` successes (the reference's resample_frequency), the
        front member scored on the fewest train instances (the cheapest first) is scored
        again on this minibatch, if it holds instances that member was not scored on."""
        every = self.settings.resample_every
        observed = [(cid, o) for cid, o in observed if not o.failed]
        if not every or len(observed) <= every or \
                len(observed) <= (self.resampled(ctx) + 1) * every:  # events read only then
            return None
        front = {id(o) for o in pareto_front([o for _, o in observed])}
        batch, choices = {i.id for i in ctx.minibatch}, []
        for cid, o in observed:
            seen = self.archive.train_instances(ctx.run_id, cid) if id(o) in front else batch
            if not batch <= seen:
                choices.append((len(seen), o.cost, cid))
        if not choices:
            return None
        n, _, cid = min(choices)
        return Proposal(self.name, child=self.archive.get_candidate(cid), resample=True,
                        note=f"scored {cid} again (a front member scored on {n} instances)")

    def resampled(self, ctx: ProposalContext) -> int:
        """Resamples the run made before this proposal's flight."""
        return sum(r.outcome == "resampled" and r.proposer == self.name
                   and r.iteration < ctx.since for r in self.archive.iterations(ctx.run_id))

    def state(self, ctx: ProposalContext, knobs: dict[str, Knob], names: list[str]
              ) -> tuple[dict[str, tuple[float, float, bool]], list[np.ndarray]]:
        """What the run knew before this proposal's flight: the train outcomes of its
        candidates, and its suggestions not yet scored (a sibling drafted earlier in the
        flight is one of them). Read back after a crash, the same as in an unbroken run."""
        rows = self.archive.run_candidates(ctx.run_id)
        first: dict[str, int] = {}
        for row in rows:
            first.setdefault(row["candidate_id"], row["iteration"])
        known = {cid for cid, it in first.items() if it < ctx.since}
        scored = {cid: v for cid, v in self.archive.train_outcomes(ctx.run_id, self.cost
                                                                   ).items() if cid in known}
        waiting = [self.archive.get_candidate(r["candidate_id"]) for r in rows
                   if r["proposer"] == self.name and r["role"] == "proposed"
                   and r["candidate_id"] in known and r["candidate_id"] not in scored]
        pending = []
        for c in [*waiting, *(ctx.siblings if self.siblings else ())]:
            values = values_in(self.texts(c), knobs)
            if set(values) == set(names):
                pending.append(basic(knobs, names, values))
        return scored, pending


def basic(knobs: dict[str, Knob], names: list[str], values: dict[str, float]) -> np.ndarray:
    return np.array([knobs[n].to_basic(values.get(n, knobs[n].center)) for n in names])


def check_seed(files: dict[str, str]) -> dict[str, Knob]:
    """The seed's knobs, before anything runs: a bad declaration or none at all is a
    ConfigError saying what to write."""
    knobs = knobs_in(files)
    if not knobs:
        raise ConfigError("proposers.use names carbs, but the seed program declares no "
                          "knobs: mark each tunable assignment in its editable region, "
                          "e.g. 'LR = 3e-3  # knob: log' or 'WIDTH = 64  # knob: log int "
                          "8..1024'.")
    return knobs
