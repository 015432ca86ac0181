"""The executor protocol, and the local one (the task's ``evaluate`` on the calling
thread)."""

from __future__ import annotations

from typing import Protocol

from galapagos.agents.llm import scope
from galapagos.archive import Candidate
from galapagos.tasks.protocol import Instance, Result, Task


class Executor(Protocol):
    def evaluate(self, cand: Candidate, inst: Instance) -> Result:
        """Score one instance; raise what the task raised (the evaluator sorts a
        candidate's fault from the machinery's). Called from many threads at once."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    def __init__(self, task: Task):
        self.task = task

    def evaluate(self, cand: Candidate, inst: Instance) -> Result:
        with scope.evaluation(cand.id, inst.id):
            return self.task.evaluate(cand.view(), inst)

    def close(self) -> None:
        pass
