"""The code task tells the sandbox's own failures from the solution's (a fake sandbox at
the boundary): the first are raised as infrastructure faults, never scored."""

import pytest

from galapagos.agents.llm import LLMClient
from galapagos.errors import SandboxError, is_infrastructure
from galapagos.sandbox import Limits, RunResult
from galapagos.tasks.code import CodeTask


class Sandbox:
    def __init__(self, *results):
        self.results = list(results)

    def run(self, request):
        return self.results.pop(0)


def grade(*results):
    task = CodeTask(LLMClient("fake/unused"), lambda: sandbox, Limits())
    sandbox = Sandbox(*results)
    row = next(iter(task.rows.values()))
    return task.grade(row["task_id"], row["prompt"] + "    return 1\n")


def test_a_broken_sandbox_is_raised_not_scored():
    with pytest.raises(SandboxError, match="own run: the sandbox channel broke") as err:
        grade(RunResult(-1, error="the sandbox channel broke"))
    assert is_infrastructure(err.value)
    with pytest.raises(SandboxError, match="grading run: killed by the host backstop"):
        grade(RunResult(0), RunResult(137, timed_out=True, error="killed by the host backstop"))


def test_the_solutions_own_faults_are_scores():
    crashed = grade(RunResult(1, stderr="NameError: x"))
    assert crashed.score == 0.0 and "exited 1: NameError: x" in crashed.feedback
    slow = grade(RunResult(137, timed_out=True))
    assert slow.score == 0.0 and "timed out" in slow.feedback
    passed = grade(RunResult(0), RunResult(0, stdout="VERDICT PASS\n"))
    assert passed.score == 1.0
