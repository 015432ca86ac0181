"""PDR: parallel drafts, distil, refine. Several reflective drafts of one component (they
differ in meta-prompt and in the order the minibatch is shown), one text distilled from
them, and that text refined by one more reflective pass on the minibatch: one child for
``drafts + 2`` LLM calls, each logged with its tokens, so its cost per metric call
compares with plain reflection's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.orchestrator.proposers.meta_prompts import MetaPrompt
from galapagos.orchestrator.proposers.reflective import ReflectiveMutation

DISTIL_INSTRUCT = MetaPrompt("distil", """Several drafts of the component '{name}' of a \
prompt were written to fix the failures below.

{drafts}

Failures they address:

{examples}

Write one version of '{name}' that keeps what the drafts get right and drops what they get \
wrong. Give the new text alone, inside one ``` block.
```
""")
DISTIL_COMPLETION = MetaPrompt("distil", """Several people each wrote an instruction for \
the same task:

{drafts}

The editor combined the best parts of them into one clear instruction: \"""", "line")


class PDR:
    name = "pdr"

    def __init__(self, reflective: ReflectiveMutation, drafts: int = 3):
        self.reflective, self.drafts = reflective, drafts

    def propose(self, ctx: ProposalContext) -> Proposal:
        if not ctx.parent.components:
            return Proposal(self.name, rejected="the parent has no text component to rewrite")
        name = self.reflective.pick_component(ctx.parent, ctx.component_cursor,
                                                 ctx.demo_component)
        texts = self._drafts(ctx, name)
        if not texts:
            return Proposal(self.name, rejected="no draft survived", note=f"component {name}")
        distilled = self._distil(ctx, name, texts)
        if distilled is None:
            return Proposal(self.name, rejected="the distilled answer was empty",
                            note=f"{len(texts)} drafts")
        metas = self.reflective.meta_prompts(ctx)
        refined = self.reflective.rewrite(ctx, name, metas[-1], text=distilled, tag=":refine")
        prop = refined if refined.child else self.reflective.child_of(ctx, name, distilled,
                                                                       "distil")
        prop.proposer = self.name
        if prop.child:
            prop.child = replace(prop.child, proposer=self.name,
                                 meta={**prop.child.meta, "drafts": len(texts)})
            prop.note = f"{len(texts)} drafts, distilled, " + (
                "refined" if refined.child else f"not refined ({refined.rejected})")
        return prop

    def _drafts(self, ctx: ProposalContext, name: str) -> list[str]:
        metas = self.reflective.meta_prompts(ctx)

        def one(k: int) -> Proposal:
            return self.reflective.rewrite(ctx, name, metas[k % len(metas)],
                                           tag=f":draft{k}", rotate=k // len(metas))
        with ThreadPoolExecutor(self.drafts) as pool:  # an API model answers in parallel
            props = list(pool.map(one, range(self.drafts)))
        return list(dict.fromkeys(p.child.components[name] for p in props if p.child))

    def _distil(self, ctx: ProposalContext, name: str, texts: list[str]) -> str | None:
        if len(texts) == 1:
            return texts[0]
        meta = DISTIL_INSTRUCT if self.reflective.style == "instruct" else DISTIL_COMPLETION
        listed = "\n".join(f"{n}. {' '.join(t.split())}" for n, t in enumerate(texts, 1))
        prompt = meta.render(name, "", ctx.minibatch, ctx.results).replace("{drafts}", listed)
        stop = {} if meta.read == "fenced" else {"stop": ['"', "\n"]}  # the quote it opened
        text, problem = self.reflective.ask(ctx, prompt, meta, ":distil", **stop)
        return None if problem else text
