"""The built-in code task in real Docker: solutions from a scripted fake LLM are graded
against hidden tests that the candidate's own run cannot see."""

import pytest

from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.archive import Archive
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.runner import start_run
from galapagos.sandbox import Limits
from galapagos.tasks.code import CodeTask

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HUNT = """
import os
found = []
needle = 'def check' + '(candidate)'   # assembled, so this file does not match itself
for root in ['/', '/work', '/tmp', '/grader', '/opt']:
    for folder, dirs, files in os.walk(root):
        if folder.startswith(('/proc', '/sys', '/dev')):
            dirs[:] = []
            continue
        for name in files:
            try:
                if needle in open(os.path.join(folder, name), errors='ignore').read():
                    found.append(os.path.join(folder, name))
            except OSError:
                pass
print(found or 'NOT FOUND', sorted(os.listdir('/grader')))
"""


@pytest.fixture(scope="module")
def task():
    from galapagos.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(gpus=[])
    t = CodeTask(LLMClient("fake/unused"), lambda: sb, Limits(wall_s=10))
    yield t
    sb.close()


def test_correct_solution_passes_wrong_fails_without_leaking_tests(task):
    row = task.rows["Galapagos/add"]
    good = task.grade(row["task_id"], row["prompt"] + row["canonical_solution"])
    assert good.score == 1.0 and good.feedback == "Passed the hidden tests."
    bad = task.grade(row["task_id"], row["prompt"] + "    return a - b\n")
    assert bad.score == 0.0 and "hidden test" in bad.feedback
    assert "candidate(1, 2)" not in bad.feedback and "assert" not in bad.feedback


def test_crashing_and_looping_solutions(task):
    row = task.rows["Galapagos/add"]
    syntax = task.grade(row["task_id"], row["prompt"] + "    return (\n")
    assert syntax.score == 0.0 and "own run exited 1" in syntax.feedback
    assert "SyntaxError" in syntax.feedback
    loop = task.grade(row["task_id"], row["prompt"] + "    while True: pass\n")
    assert loop.score == 0.0 and "timed out" in loop.feedback


def test_candidate_run_cannot_see_the_hidden_tests(task):
    from galapagos.sandbox import RunRequest

    sb = task._sandbox()
    own = sb.run(RunRequest(["python3", "solution.py"], files={"solution.py": HUNT}))
    assert own.stdout.strip() == "NOT FOUND []"


def test_an_evolution_run_on_the_code_task(tmp_path):
    fake = FakeLLM("coder")
    # the seed's answers are wrong; after demo mutation the same fake writes right ones
    fake.enqueue(*["    return None\n"] * 200)
    cfg = load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db")},
        "task": {"name": "code", "options": {"model": "fake/coder"},
                 "sandbox": {"wall_s": 5, "concurrency": 2}},
        "llm": {"model": "fake/deterministic"},
        "proposers": {"use": ["demos"]},
        "budget": {"max_iterations": 2}})
    out = start_run(cfg)
    assert out.status == "finished"
    a = Archive(out.archive)
    rows = a.db.execute("select count(*), sum(score) from evaluations").fetchone()
    assert rows[0] > 10 and rows[1] == 0  # every 'return None' fails its hidden tests
    import docker

    left = docker.from_env().containers.list(all=True, filters={"label": "galapagos.sandbox"})
    assert left == []  # the run closed its sandbox
