"""Few-shot demo mutation: fill an empty demonstrations component with ``max_demos``
train examples at once, or add, swap or drop one, preferring instances the parent just
failed and, among those, the ones whose measured effect as a demonstration in this run is
best (``demo_effects.py``). Needs no LLM, so it makes progress even with the smallest
local model.

Demos are kept label-balanced: a new demo's expected output is one of the least shown
among the demos kept, and a swap replaces a demo of the most shown output. A small model
copies the majority label of its demos (Zhao et al., "Calibrate before use", 2021); on a
task whose every output differs this is a uniform draw."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from galapagos.agents.programs import dump_demos, parse_demos
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.orchestrator.proposers.demo_effects import Effects, from_archive
from galapagos.tasks.protocol import Instance


def _label(value: Any) -> str:
    return str(value).strip().lower()


def least_shown(source: list[Instance], demos: list[dict], rng: random.Random,
                effects: Effects | None = None) -> Instance:
    """An instance of ``source`` whose expected output the demos show least often; of
    those, one whose measured effect scores best."""
    shown = Counter(_label(d.get("output")) for d in demos)
    fewest = min(shown[_label(i.expected)] for i in source)
    return _best(effects, [i for i in source if shown[_label(i.expected)] == fewest],
                 lambda i: i.id, rng)


def most_shown(demos: list[dict], rng: random.Random, effects: Effects | None = None,
               ids: dict[str, str] | None = None) -> int:
    """The index of a demo whose output the demos show most often; of those, one whose
    measured effect scores worst."""
    shown = Counter(_label(d.get("output")) for d in demos)
    most = max(shown.values())
    found = [k for k, d in enumerate(demos) if shown[_label(d.get("output"))] == most]
    return _worst(effects, found, lambda k: (ids or {}).get(str(demos[k]["input"]), ""), rng)


def _best(effects: Effects | None, items: list, key: Callable, rng: random.Random) -> Any:
    if effects is None:
        return rng.choice(items)
    top = max(effects.score(key(i)) for i in items)
    return rng.choice([i for i in items if effects.score(key(i)) >= top - 1e-12])


def _worst(effects: Effects | None, items: list, key: Callable, rng: random.Random) -> Any:
    if effects is None:
        return rng.choice(items)
    low = min(effects.score(key(i)) for i in items)
    return rng.choice([i for i in items if effects.score(key(i)) <= low + 1e-12])


class DemoMutation:
    """``max_demos`` bounds a candidate's demonstrations; with an ``archive`` the choices
    follow the measured effects of earlier tries in the run, without one they are drawn
    uniformly (label balance aside); ``fill`` fills an empty set in one child."""

    name = "demos"

    def __init__(self, max_demos: int = 8, archive: Any = None, fill: bool = True):
        self.max_demos, self.archive, self.fill = max_demos, archive, fill

    def propose(self, ctx: ProposalContext) -> Proposal:
        comp = ctx.demo_component
        if not comp or comp not in ctx.parent.components:
            return Proposal(self.name, rejected="the task has no demonstrations component")
        demos = parse_demos(ctx.parent.components[comp]) or []
        effects = (from_archive(self.archive, ctx.run_id, ctx.iteration, self.name)
                   if self.archive is not None else None)
        op = "fill" if self.fill and not demos else ctx.rng.choice(self._ops(len(demos)))
        new, added = self._apply(op, ctx, demos, effects)
        if new is None:
            return Proposal(self.name, rejected="no unused train instance left")
        child = Candidate({**ctx.parent.components, comp: dump_demos(new)}, (ctx.parent.id,),
                          self.name, {"op": op, "added": added})
        return Proposal(self.name, child=child, note=f"{op} demo ({len(new)} now)")

    def _apply(self, op: str, ctx: ProposalContext, demos: list[dict],
               effects: Effects | None) -> tuple[list[dict] | None, list[str]]:
        ids = {str(i.input): i.id for i in ctx.train}
        new = list(demos)
        if op in ("swap", "drop"):
            new.pop(most_shown(new, ctx.rng, effects, ids) if op == "swap"
                    else _worst(effects, list(range(len(new))),
                                lambda k: ids.get(str(new[k]["input"]), ""), ctx.rng))
        added: list[str] = []
        for _ in range(self.max_demos if op == "fill" else int(op != "drop")):
            source = self._source(ctx, [*demos, *new])  # a removed demo stays out
            if not source:
                break
            inst = least_shown(source, new, ctx.rng, effects)
            new.insert(ctx.rng.randrange(len(new) + 1), {"input": inst.input,
                                                          "output": inst.expected})
            added.append(inst.id)
        return (None if op != "drop" and not added else new), added

    def _ops(self, n: int) -> list[str]:
        if n < 1:
            return ["add"]
        return ["swap", "swap", "drop"] if n >= self.max_demos else ["add", "swap", "swap", "drop"]

    @staticmethod
    def _source(ctx: ProposalContext, demos: list[dict]) -> list[Instance]:
        used = {str(d["input"]) for d in demos}
        failed = [i for i in ctx.minibatch if ctx.results[i.id].score < 1.0
                  and str(i.input) not in used]
        fresh = [i for i in ctx.train if str(i.input) not in used]
        return failed if failed and ctx.rng.random() < 0.5 else fresh
