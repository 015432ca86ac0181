"""STOP (self-taught optimizer): the reflective proposer's own meta-prompt is a candidate.

A population of meta-prompts (the built-ins of the reflection style, then their
descendants) lives in the archive. Each proposal picks one by UCB on the gains its
children reached: child minus parent on the train minibatch (a proposal with no child
gains 0), so nothing but train data scores a meta-prompt. Every ``every``-th use, the best
one is improved into a new meta-candidate:

- with an instruction model, the LLM rewrites the template (it must keep its slots);
- with a base model, the best notebook template learns from the run: the rewrite that
  gained most so far is added to its worked examples (a notebook that writes itself).

Each child records the meta-prompt that made it (candidate meta ``meta_prompt``)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace

from galapagos.archive import Archive, IterationEnded, MetaRecord
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.orchestrator.proposers.meta_prompts import MetaPrompt, usable
from galapagos.orchestrator.proposers.reflective import ReflectiveMutation

IMPROVE = MetaPrompt("improve", """This template is given to a model, with its slots in \
braces filled in, to make it improve one part of a prompt:
<template>
{template}
</template>

Children made with it gained {gain} on average on their minibatches. Write a better \
template: clearer about what makes an answer right, equally general. Keep the slots {text} \
and {examples} exactly as they are. Give the template alone, between the same tags.
<template>
""", "tagged")
LAST_ENTRY = "\nInstruction: {text}\nMistakes:"


def meta_id(template: str) -> str:
    return "m" + hashlib.sha256(template.encode()).hexdigest()[:10]


class SelfImproving:
    name = "stop"

    def __init__(self, reflective: ReflectiveMutation, archive: Archive, every: int = 4,
                 explore: float = 1.0):
        self.reflective, self.archive = reflective, archive
        self.every, self.explore = every, explore

    def propose(self, ctx: ProposalContext) -> Proposal:
        if not ctx.parent.components:
            return Proposal(self.name, rejected="the parent has no text component to rewrite")
        metas = self._population(ctx)
        history = self._history(ctx)
        gains = self._gains(history)
        uses = sum(len(g) for g in gains.values())
        if uses and uses % self.every == 0:
            metas.append(self._improve(ctx, metas, gains, history))
        meta = max(metas, key=lambda m: self._ucb(gains.get(m.key, []), uses))
        name = self.reflective.pick_component(ctx.parent, ctx.component_cursor,
                                                 ctx.demo_component)
        prop = self.reflective.rewrite(ctx, name, meta, tag=":stop")
        prop.proposer = self.name
        if prop.child:
            prop.child = replace(prop.child, proposer=self.name)
        return prop

    def _population(self, ctx: ProposalContext) -> list[MetaPrompt]:
        for m in self.reflective.meta_prompts(ctx):  # the built-ins, recorded once
            self.archive.add_meta_prompt(ctx.run_id, MetaRecord(
                meta_id(m.template), m.template, m.read, None, 0))
        metas = [MetaPrompt(r.id, r.template, r.read)  # type: ignore[arg-type]
                 for r in self.archive.meta_prompts(ctx.run_id, before=ctx.iteration)]
        return [m for m in metas if usable(m, ctx.minibatch)]

    def _history(self, ctx: ProposalContext) -> list[IterationEnded]:
        """The earlier iterations' outcomes (train minibatch scores, never val's use)."""
        return [r for r in self.archive.iterations(ctx.run_id) if r.iteration < ctx.iteration]

    def _gains(self, history: list[IterationEnded]) -> dict[str, list[float]]:
        """Per meta-prompt, the minibatch gain of each proposal it made (train only)."""
        gains: dict[str, list[float]] = {}
        for r in history:
            if r.proposer != self.name:
                continue
            key = self._maker(r)
            if key:
                gain = r.child_mb - (r.parent_mb or 0.0) if r.child_mb is not None else 0.0
                gains.setdefault(key, []).append(gain)
        return gains

    def _maker(self, r: IterationEnded) -> str | None:
        if r.child:  # the child's own record (also what archives before the field hold)
            return self.archive.get_candidate(r.child).meta.get("meta_prompt")
        return r.meta_prompt

    def _ucb(self, gains: list[float], uses: int) -> float:
        if not gains:
            return math.inf  # every meta-prompt is tried once
        bonus = self.explore * math.sqrt(math.log(max(uses, 1) + 1) / len(gains))
        return sum(gains) / len(gains) + bonus

    def _improve(self, ctx: ProposalContext, metas: list[MetaPrompt],
                 gains: dict[str, list[float]], history: list[IterationEnded]) -> MetaPrompt:
        growable = [m for m in metas if m.read == "fenced" or LAST_ENTRY in m.template]
        if not growable:
            return metas[0]
        best = max(growable, key=lambda m: _mean(gains.get(m.key, [])))
        template = (self._llm_rewrite(ctx, best, _mean(gains.get(best.key, [])))
                    if best.read == "fenced" else self._learn(best, history))
        if template is None or template == best.template:
            return best
        new = MetaPrompt(meta_id(template), template, best.read)
        self.archive.add_meta_prompt(ctx.run_id, MetaRecord(new.key, template, new.read,
                                                            best.key, ctx.iteration))
        return new

    def _llm_rewrite(self, ctx: ProposalContext, best: MetaPrompt, gain: float) -> str | None:
        prompt = IMPROVE.template.replace("{gain}", f"{gain:+.3g}").replace(
            "{template}", best.template)
        text, problem = self.reflective.ask(ctx, prompt, IMPROVE, ":meta")
        if problem or "{text}" not in text or "{examples}" not in text:
            return None
        return text + "\n"

    def _learn(self, best: MetaPrompt, history: list[IterationEnded]) -> str | None:
        """A notebook template gains the run's most successful rewrite as an example."""
        step = self._best_step(history)
        if step is None:
            return None
        old, new, gain = step
        entry = (f"\nInstruction: {' '.join(old.split())}\nMistakes: the answers were wrong "
                 f"on part of the examples.\nImproved instruction: {' '.join(new.split())}\n")
        return best.template.replace(LAST_ENTRY, entry + LAST_ENTRY, 1)

    def _best_step(self, history: list[IterationEnded]) -> tuple[str, str, float] | None:
        best: tuple[str, str, float] | None = None
        for r in history:
            if not r.child or r.child_mb is None or r.parent is None:
                continue
            gain = r.child_mb - (r.parent_mb or 0.0)
            child = self.archive.get_candidate(r.child)
            name = child.meta.get("component")
            if gain > 0 and name and (best is None or gain > best[2]):
                parent = self.archive.get_candidate(r.parent)
                best = (parent.components.get(name, ""), child.components[name], gain)
        return best


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
