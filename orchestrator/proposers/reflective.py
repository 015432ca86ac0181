"""GEPA's reflective mutation: the LLM reads one component (round robin) with the
minibatch's inputs, outputs, scores and feedback, and writes a better version of it.
Empty, truncated or unchanged answers are rejected, never adopted.

An instruction model gets the request (``style = "instruct"``); a base model gets a
document to continue (``"completion"``): instruction induction or a notebook of worked
rewrites, drawn at random per proposal (see ``meta_prompts.py``).

With ``recall`` set, a document that has a ``{tried}`` slot (the instruction model's) also
shows the last texts already tried in place of the parent's and rejected, with their
minibatch scores, so the next proposal is not a rerun of a failure. A base model's
documents have no such slot: they show what good rewrites look like, and a rejected text
written into them reads as one more worked example to copy. (The run refuses an exact
repeat of an earlier child before paying for it, whatever the style.)"""

from __future__ import annotations

from typing import Any, Literal

from galapagos.agents.llm import LLMClient
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.orchestrator.proposers.meta_prompts import (BUILT_IN, MetaPrompt, Tried,
                                                           extract_block, usable)

__all__ = ["ReflectiveMutation", "extract_block"]
Style = Literal["instruct", "completion"]
LINE_TOKENS = 80  # an instruction is one line; more only wastes a base model's time


class ReflectiveMutation:
    name = "reflective"

    def __init__(self, llm: LLMClient, components: list[str] | None = None,
                 style: Style = "instruct", recall: int = 0, settings: str | None = None):
        self.llm, self.components, self.style = llm, components or [], style
        self.recall, self.settings = recall, settings  # settings: CARBS' knobs, not text

    def pick_component(self, parent: Candidate, cursor: int, demos: str | None = None) -> str:
        """Round robin over the components it may rewrite. A completion-style document
        writes instructions, so unless named it leaves the demonstrations component to
        demo mutation; unless named, the model settings are left to CARBS."""
        names = [c for c in (self.components or sorted(parent.components))
                 if c in parent.components]
        if not self.components:
            names = [c for c in names if c != self.settings] or names
        if self.style == "completion" and not self.components:
            names = [c for c in names if c != demos] or names
        return names[cursor % len(names)]

    def meta_prompts(self, ctx: ProposalContext) -> list[MetaPrompt]:
        """The built-in meta-prompts this style may use on this minibatch."""
        if self.style == "instruct":
            return [BUILT_IN["instruct"]]
        return [m for k in ("induce", "rewrite")
                if usable(m := BUILT_IN[k], ctx.minibatch)]

    def propose(self, ctx: ProposalContext) -> Proposal:
        if not ctx.parent.components:
            return Proposal(self.name, rejected="the parent has no text component to rewrite")
        name = self.pick_component(ctx.parent, ctx.component_cursor, ctx.demo_component)
        metas = self.meta_prompts(ctx)
        meta = metas[0] if len(metas) == 1 else ctx.rng.choice(metas)
        return self.rewrite(ctx, name, meta)

    def rewrite(self, ctx: ProposalContext, name: str, meta: MetaPrompt,
                text: str | None = None, tag: str = "", rotate: int = 0) -> Proposal:
        """One reflective call with ``meta`` on ``text`` (default: the parent's), the
        minibatch shown from its ``rotate``-th instance on (another view, another answer)."""
        old = ctx.parent.components[name] if text is None else text
        k = rotate % max(len(ctx.minibatch), 1)
        batch = [*ctx.minibatch[k:], *ctx.minibatch[:k]]
        tried = self.tried(ctx, name) if text is None and "{tried}" in meta.template else []
        prompt = meta.render(name, old, batch, ctx.results, tried)
        answer, problem = self.ask(ctx, prompt, meta, tag)
        if problem:
            return Proposal(self.name, rejected=problem, note=f"component {name} ({meta.key})",
                            meta_prompt=meta.key)
        return self.child_of(ctx, name, answer, meta.key)

    def tried(self, ctx: ProposalContext, name: str) -> list[Tried]:
        """The last ``recall`` distinct texts of ``name`` tried on this parent and rejected,
        oldest first (read from the run's records, so a resumed run shows the same)."""
        if not self.recall:
            return []
        out: dict[str, Tried] = {}
        for a in ctx.attempts(ctx.parent.id):
            text = ctx.get_candidate(a.child).components.get(name) if a.child else None
            if text is not None and text != ctx.parent.components[name]:
                out.pop(text, None)  # the newest try of a text counts
                out[text] = Tried(text, a.reason, a.child_mb, a.parent_mb)
        return list(out.values())[-self.recall:]

    def child_of(self, ctx: ProposalContext, name: str, text: str, meta_key: str) -> Proposal:
        """The parent with ``name`` replaced by ``text``, unless that changes nothing."""
        if text.strip() == ctx.parent.components[name].strip():
            return Proposal(self.name, rejected="answer identical to the parent",
                            note=f"component {name} ({meta_key})", meta_prompt=meta_key)
        child = Candidate({**ctx.parent.components, name: text}, (ctx.parent.id,),
                          self.name, {"component": name, "meta_prompt": meta_key})
        return Proposal(self.name, child=child, note=f"rewrote {name} ({meta_key})",
                        meta_prompt=meta_key)

    def ask(self, ctx: ProposalContext, prompt: str, meta: MetaPrompt, tag: str = "",
            **params: Any) -> tuple[str, str | None]:
        """The LLM's answer to ``prompt``, read as ``meta`` says; cached per iteration."""
        key = ctx.cache_key(f"{self.name}{tag}", prompt)
        if meta.read == "line":  # one line is wanted; a blank line ends it for sure
            params.setdefault("stop", ["\n\n"])
            params.setdefault("max_tokens", LINE_TOKENS)
        answer = self.llm.complete(prompt, purpose="reflect", cache_key=key, **params).text
        text, problem = meta.extract(answer)
        if not problem and meta.read == "line" and " ".join(text.split()) in meta.template:
            return "", "copied the document's own example"
        return text, problem
