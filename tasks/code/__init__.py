"""Built-in code task: a solver LLM writes a function for each problem from a few-shot
prompt (the candidate), and the function is graded as the grading library grades
HumanEval-format problems (``FunctionGrader``): the solution's own run, then the hidden
tests in a two-party run, so even at grading time the candidate cannot read the tests,
fake a verdict or return objects that equal anything.

Feedback for reflection names the failure's kind, never the test's text. Options:
``model`` (default ``local/gemma3-270m``), ``data`` (a HumanEval-format JSONL file;
default: the shipped problems), ``max_tokens`` (default 200).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.agents.programs import DEMOS, INSTRUCTION, parse_demos
from galapagos.errors import TaskError
from galapagos.tasks.grading import FUNCTIONS, FunctionGrader
from galapagos.tasks.protocol import Instance, Result, TaskContext

SEED = {INSTRUCTION: "# Python", DEMOS: "[]"}
STOPS = ["\ndef ", "\nclass ", "\nif __name__", "\nprint(", "```", "\n#"]


class CodeTask:
    name = "code"
    objectives = {"tokens": "min", "sandbox_s": "min"}  # with the score, for frontier kinds
    demo_component = DEMOS

    def __init__(self, llm: Any, sandbox: Any, limits: Any, data: Path = FUNCTIONS,
                 max_tokens: int = 200, run_id: str = ""):
        self.llm, self.max_tokens = llm, max_tokens
        self.grader = FunctionGrader(sandbox, limits, data, run_id)
        self.rows = self.grader.rows
        self._instances = [Instance(r["task_id"], r["split"], r["prompt"],
                                    r.get("canonical_solution")) for r in self.rows.values()]

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return dict(SEED)

    def fingerprint(self) -> str:
        model = self.llm.model if self.llm is not None else "-"
        return self.grader.fingerprint(model, self.max_tokens)

    def render(self, candidate: dict[str, str], prompt: str) -> str:
        parts = [candidate.get(INSTRUCTION, "").strip()]
        demos = parse_demos(candidate.get(DEMOS, "[]"))
        if demos is None:
            parts.append(candidate.get(DEMOS, ""))
        else:
            parts += [f"{d['input']}{d['output']}" for d in demos if d.get("output")]
        return "\n\n".join(p for p in parts if p) + "\n\n" + prompt

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        row = self.rows[instance.id]
        out = self.llm.complete(self.render(candidate, row["prompt"]), purpose="task",
                                temperature=0.0, max_tokens=self.max_tokens, stop=STOPS)
        code = row["prompt"] + out.text.rstrip() + "\n"
        return self.grade(instance.id, code, tokens=out.prompt_tokens + out.completion_tokens)

    def grade(self, task_id: str, code: str, tokens: int = 0) -> Result:
        """Grade one solution to problem ``task_id``: its own run, then the hidden tests."""
        return self.grader.grade(task_id, code, tokens)


def create(ctx: TaskContext) -> CodeTask:
    opts = dict(ctx.options)
    llm = ctx.llm(opts.pop("model", "local/gemma3-270m"))
    data = ctx.path(opts.pop("data", FUNCTIONS))
    max_tokens = int(opts.pop("max_tokens", 200))
    if opts:
        raise TaskError(f"Unknown code task option(s): {', '.join(opts)}. Known: model, data, "
                        "max_tokens.")
    return CodeTask(llm, ctx.sandbox, ctx.limits, data, max_tokens, ctx.run_id)
