"""Reflective code edit: the LLM reads the parent program's files that may change, how it
did on the minibatch (scores, feedback, outputs and traces such as stderr), and the edits
already tried on this parent that failed; it answers with SEARCH/REPLACE blocks, or whole
files for small programs. The answer is parsed strictly (``edits.apply_answer``)."""

from __future__ import annotations

import fnmatch
import json

from galapagos.agents.llm import LLMClient
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.orchestrator.proposers.edits import EditError, apply_answer
from galapagos.tasks.protocol import Editable, describe_instance

WHOLE_FILE_LINES = 80  # files up to this size may be rewritten whole

PROMPT = """You are improving a program. These are its files that you may change{regions}:

{files}

How it did on some inputs (score, feedback, output, trace):

{examples}
{attempts}
Change the program so that it scores higher. Answer with one or more edit blocks, each one
the file's path on a line of its own, then

<<<<<<< SEARCH
lines copied exactly from the current file
=======
the lines that replace them
>>>>>>> REPLACE
{whole}"""

WHOLE = """
or, for a file of at most {n} lines, the whole new file:

<<<<<<< FILE path/of/file.py
the complete new text
>>>>>>> FILE
"""


class ReflectiveCodeEdit:
    name = "code_edit"

    def __init__(self, llm: LLMClient):
        self.llm = llm

    def propose(self, ctx: ProposalContext) -> Proposal:
        rules = ctx.editable or Editable()
        files = {p: t for p, t in ctx.parent.files.items()
                 if any(fnmatch.fnmatchcase(p, g) for g in rules.paths)}
        if not files:
            return Proposal(self.name, rejected="the parent has no file that may change")
        prompt = self.prompt(ctx, files, rules)
        answer = self.llm.complete(prompt, purpose="reflect",
                                   cache_key=ctx.cache_key("code_edit", prompt)).text
        try:
            new = apply_answer(answer, ctx.parent.files)
        except EditError as exc:
            return Proposal(self.name, rejected=str(exc))
        changed = sorted(p for p in new if new[p] != ctx.parent.files.get(p))
        child = Candidate(dict(ctx.parent.components), (ctx.parent.id,), self.name,
                          {"files_changed": changed}, new)
        return Proposal(self.name, child=child, note="edited " + ", ".join(changed))

    def prompt(self, ctx: ProposalContext, files: dict[str, str], rules: Editable) -> str:
        shown = "\n\n".join(f"{p}\n```\n{t.rstrip()}\n```" for p, t in sorted(files.items()))
        tried = ctx.attempts(ctx.parent.id)
        attempts = ("\nEdits already tried on this program that failed (do not repeat them):\n"
                    + "\n".join(f"- {a}" for a in tried[-8:]) + "\n") if tried else ""
        small = all(len(t.splitlines()) <= WHOLE_FILE_LINES for t in files.values())
        regions = (f" (only between the lines marked {rules.start} and {rules.end}, where "
                   "a file has them)") if rules.start else ""
        return PROMPT.format(files=shown, examples=self._examples(ctx), attempts=attempts,
                             regions=regions, whole=WHOLE.format(n=WHOLE_FILE_LINES)
                             if small else "")

    def _examples(self, ctx: ProposalContext) -> str:
        parts = []
        for n, inst in enumerate(ctx.minibatch, 1):
            ev = ctx.results[inst.id]
            trace = json.dumps(ev.trace)[:1500] if ev.trace else ""
            parts.append(f"### Example {n}\nInput: {describe_instance(inst)}\n"
                         f"Score: {ev.score:g}\nFeedback: {ev.feedback}\n"
                         f"Output: {ev.output[:1500]}" + (f"\nTrace: {trace}" if trace else ""))
        return "\n\n".join(parts)
