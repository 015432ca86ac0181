"""Few-shot demo mutation: add, swap or drop one demonstration drawn from train,
preferring instances the parent just failed. Needs no LLM, so it makes progress even
with the smallest local model.

Demos are kept label-balanced: a new demo's expected output is one of the least shown
among the demos kept, and a swap replaces a demo of the most shown output. A small model
copies the majority label of its demos (Zhao et al., "Calibrate before use", 2021); on a
task whose every output differs this is a uniform draw."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from galapagos.agents.programs import dump_demos, parse_demos
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.tasks.protocol import Instance


def _label(value: Any) -> str:
    return str(value).strip().lower()


def least_shown(source: list[Instance], demos: list[dict], rng: random.Random) -> Instance:
    """An instance of ``source`` whose expected output the demos show least often."""
    shown = Counter(_label(d.get("output")) for d in demos)
    fewest = min(shown[_label(i.expected)] for i in source)
    return rng.choice([i for i in source if shown[_label(i.expected)] == fewest])


def most_shown(demos: list[dict], rng: random.Random) -> int:
    """The index of a demo whose output the demos show most often."""
    shown = Counter(_label(d.get("output")) for d in demos)
    most = max(shown.values())
    return rng.choice([k for k, d in enumerate(demos) if shown[_label(d.get("output"))] == most])


class DemoMutation:
    name = "demos"

    def __init__(self, max_demos: int = 4):
        self.max_demos = max_demos

    def propose(self, ctx: ProposalContext) -> Proposal:
        comp = ctx.demo_component
        if not comp or comp not in ctx.parent.components:
            return Proposal(self.name, rejected="the task has no demonstrations component")
        demos = parse_demos(ctx.parent.components[comp]) or []
        op = ctx.rng.choice(self._ops(len(demos)))
        new = list(demos)
        if op != "add":
            new.pop(most_shown(new, ctx.rng) if op == "swap" else ctx.rng.randrange(len(new)))
        if op != "drop":
            source = self._source(ctx, demos)
            if not source:
                return Proposal(self.name, rejected="no unused train instance left")
            inst = least_shown(source, new, ctx.rng)
            new.insert(ctx.rng.randrange(len(new) + 1), {"input": inst.input,
                                                          "output": inst.expected})
        child = Candidate({**ctx.parent.components, comp: dump_demos(new)}, (ctx.parent.id,),
                          self.name, {"op": op})
        return Proposal(self.name, child=child, note=f"{op} demo ({len(new)} now)")

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
