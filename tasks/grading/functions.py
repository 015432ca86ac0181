"""HumanEval-format function problems (task_id, prompt, entry_point, test; optional split
and canonical_solution) and their grading in two sandbox steps:

1. the solution's own run, ``python3 solution.py`` with the solution alone (catches syntax
   errors and crashes at import); the hidden tests are nowhere in it;
2. the hidden tests in a two-party run (``HiddenGrader``); arguments and results cross as
   literals, as in HumanEval.

Feedback names the failure's kind, never the test's text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from galapagos.errors import TaskError
from galapagos.sandbox import RunRequest
from galapagos.tasks.grading.faults import checked
from galapagos.tasks.grading.hidden import HiddenGrader, Verdict
from galapagos.tasks.protocol import Result, hash_split

FUNCTIONS = Path(__file__).with_name("functions.jsonl")  # the shipped problems
GRADING = "g2"  # g2: the prompt's own helpers are defined where the hidden test runs


class FunctionGrader:
    """Grades solutions to the problems of one HumanEval-format file."""

    def __init__(self, sandbox: Any, limits: Any, data: Path = FUNCTIONS, run_id: str = ""):
        self._sandbox, self.limits, self.data, self.run_id = sandbox, limits, data, run_id
        self.rows = read_functions(data)
        self.hidden = HiddenGrader(sandbox, limits)

    def fingerprint(self, model: str = "-", max_tokens: int = 200) -> str:
        """The problems, the harness and the grading version, with the solver's settings
        (the code task's; ``-`` and 200 where another task grades). Its form is the one
        archives hold, so their cached evaluations still match."""
        digest = hashlib.sha256(self.data.read_bytes() + self.hidden.code()).hexdigest()[:12]
        return f"code:{digest}:{GRADING}:{model}:{max_tokens}"

    def grade(self, task_id: str, code: str, tokens: int = 0) -> Result:
        """Run one solution: its own run, then the hidden tests."""
        row = self.rows[task_id]
        labels = {"galapagos.run": self.run_id, "galapagos.evaluation": task_id}
        own = checked(self._sandbox().run(RunRequest(
            ["python3", "solution.py"], files={"solution.py": code}, limits=self.limits,
            labels=labels)), "during the solution's own run")
        objectives = {"sandbox_s": own.duration_s, "peak_memory_mb": own.peak_memory_mb,
                      "gpu_s": own.gpu_seconds, "tokens": tokens}
        if not own.ok:
            why = "timed out" if own.timed_out else "ran out of memory" if own.oom_killed \
                else f"exited {own.exit_code}: {own.stderr[-300:]}"
            return Result(0.0, code, f"The solution's own run {why}", {"stage": "own"},
                          objectives)
        verdict = self._hidden_tests(row, code, labels)
        objectives["sandbox_s"] += verdict.get("duration_s", 0.0)
        objectives["gpu_s"] += verdict.get("gpu_s", 0.0)
        score = 1.0 if verdict["status"] == "PASS" else 0.0
        return Result(score, code, verdict["message"], {"stage": "grader"}, objectives)

    def _hidden_tests(self, row: dict[str, Any], code: str,
                      labels: dict[str, str]) -> Verdict:
        # as HumanEval's own harness does: the prompt (its imports and helper functions,
        # which some tests call) runs before the test; it is problem data, not candidate code
        return self.hidden.verdict(row["prompt"] + "\n\n" + row["test"], row["entry_point"],
                                   {"solution.py": code}, labels)


def read_functions(path: Path) -> dict[str, dict[str, Any]]:
    """The file's rows by task_id; a row without a split gets a stable hashed one."""
    if not path.is_file():
        raise TaskError(f"Code problems file '{path}' does not exist; set [task.options] data.")
    rows: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            missing = [k for k in ("task_id", "prompt", "entry_point", "test") if k not in r]
            assert not missing, f"missing {missing}"
        except (json.JSONDecodeError, AssertionError) as exc:
            raise TaskError(f"{path}:{n} is not a HumanEval-format row ({exc}).") from None
        if "split" not in r:
            r["split"] = hash_split(r["task_id"])
        rows[r["task_id"]] = r
    return rows
