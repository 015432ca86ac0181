"""GEPA's reflective mutation: the LLM reads one component (round robin) with the
minibatch's inputs, outputs, scores and feedback, and writes a better version of it in a
fenced block. Empty, truncated or unchanged answers are rejected, never adopted."""

from __future__ import annotations

import hashlib
import re

from galapagos.agents.llm import LLMClient
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.tasks.protocol import describe_instance

PROMPT = """I gave an assistant the following text, the component '{name}' of its prompt:
```
{text}
```

Here are inputs it was given, its outputs, and feedback on each:

{examples}

Read the inputs and the feedback carefully. Work out what the task needs, what went wrong
and what general rules would make every answer right. Then write a new version of the
component '{name}' that fixes these failures. Give the new text alone, inside one ``` block.
```
"""


class ReflectiveMutation:
    name = "reflective"

    def __init__(self, llm: LLMClient, components: list[str] | None = None):
        self.llm, self.components = llm, components or []

    def pick_component(self, parent: Candidate, cursor: int) -> str:
        names = [c for c in (self.components or sorted(parent.components))
                 if c in parent.components]
        return names[cursor % len(names)]

    def propose(self, ctx: ProposalContext) -> Proposal:
        if not ctx.parent.components:
            return Proposal(self.name, rejected="the parent has no text component to rewrite")
        name = self.pick_component(ctx.parent, ctx.component_cursor)
        prompt = PROMPT.format(name=name, text=ctx.parent.components[name],
                               examples=self._examples(ctx))
        key = f"{ctx.run_id}:{ctx.iteration}:reflective:" + hashlib.sha256(
            prompt.encode()).hexdigest()[:16]
        answer = self.llm.complete(prompt, purpose="reflect", cache_key=key).text
        text, problem = extract_block(answer)
        if problem:
            return Proposal(self.name, rejected=problem, note=f"component {name}")
        if text.strip() == ctx.parent.components[name].strip():
            return Proposal(self.name, rejected="answer identical to the parent",
                            note=f"component {name}")
        child = Candidate({**ctx.parent.components, name: text}, (ctx.parent.id,), self.name,
                          {"component": name})
        return Proposal(self.name, child=child, note=f"rewrote {name}")

    def _examples(self, ctx: ProposalContext) -> str:
        parts = []
        for n, inst in enumerate(ctx.minibatch, 1):
            ev = ctx.results[inst.id]
            parts.append(f"### Example {n}\nInput: {describe_instance(inst)}\n"
                         f"Output: {ev.output}\nScore: {ev.score:g}\nFeedback: {ev.feedback}")
        return "\n\n".join(parts)


def extract_block(answer: str) -> tuple[str, str | None]:
    """The text of the fenced block in an answer, or why there is none.

    The prompt ends with an opening fence, so a base model simply continues with the new
    text and closes the fence; a chat model usually opens a fence of its own."""
    if not answer.strip():
        return "", "empty answer"
    body = answer.lstrip()
    if body.startswith("```"):
        body = body[3:].split("\n", 1)[1] if "\n" in body else ""
    match = re.search(r"^(.*?)\n?```", body, flags=re.S)
    if match is None:
        return "", "truncated answer (no closing fence)"
    text = match.group(1).strip("\n")
    if not text.strip():
        return "", "empty block"
    return text, None
