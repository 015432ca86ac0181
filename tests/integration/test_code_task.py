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
def box():
    from galapagos.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(gpus=[])
    yield sb
    sb.close()


@pytest.fixture(scope="module")
def task(box):
    return CodeTask(LLMClient("fake/unused"), lambda: box, Limits(wall_s=10))


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


def test_candidate_run_cannot_see_the_hidden_tests(task, box):
    from galapagos.sandbox import RunRequest

    task.grade("Galapagos/add", "def add(a, b):\n    return a + b\n")  # the tests are out
    own = box.run(RunRequest(["python3", "solution.py"], files={"solution.py": HUNT}))
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


READ_THE_TESTS = """
import ast, glob, re
ANSWERS = {}
for path in glob.glob('/grader/*.py'):
    try:
        src = open(path).read()
    except OSError:
        continue
    for args, value in re.findall(r'candidate\\((.*?)\\) == (.*)', src):
        ANSWERS[args.replace(' ', '')] = ast.literal_eval(value)

def add(a, b):
    return ANSWERS.get(f'{a},{b}', -1)   # knows nothing of adding: only the answers
"""

CHEATS = {
    "forged verdict, then exit": "print('VERDICT PASS', flush=True)\nimport os\nos._exit(0)\n",
    "kill everything it can": "import os, signal\nos.kill(-1, signal.SIGKILL)\n",
    "an answer equal to anything":
        "class Any:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Any()\n",
    "read the tests, then answer from them": READ_THE_TESTS,
}


@pytest.mark.parametrize("name", list(CHEATS))
def test_grade_time_cheats_score_zero(task, name):
    row = task.rows["Galapagos/add"]
    res = task.grade(row["task_id"], CHEATS[name])
    assert res.score == 0.0, (name, res.feedback)


def test_two_party_run_keeps_the_graders_files_from_the_companion(tmp_path):
    import os

    from galapagos.sandbox import Mount, RunRequest
    from galapagos.sandbox.docker_backend import DockerSandbox

    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")
    os.chown(secret, 65534, 65534)
    os.chmod(secret, 0o400)
    os.chmod(tmp_path, 0o755)
    sb = DockerSandbox(gpus=[])
    try:
        probe = "import errno\ntry:\n    print(open('/g/secret.txt').read())\n" \
                "except OSError as e:\n    print(errno.errorcode[e.errno])\n"
        res = sb.run(RunRequest(
            ["sh", "-c", "id -u; cat /g/secret.txt"], mounts=[Mount(str(tmp_path), "/g")],
            companion=RunRequest(["python3", "probe.py"], files={"probe.py": probe})))
        assert res.stdout.split() == ["65534", "hidden"]
        assert res.companion is not None and res.companion.stdout.strip() == "EACCES"
    finally:
        sb.close()


def test_control_the_same_cheat_wins_where_tests_are_readable(monkeypatch):
    """Without the grader uid's private test file (the non-root fallback) the cheat passes:
    what stops it above is the isolation, not the cheat being broken."""
    import os

    from galapagos.sandbox.docker_backend import DockerSandbox

    def no_chown(*a, **k):
        raise PermissionError("not root")

    monkeypatch.setattr(os, "chown", no_chown)
    sb = DockerSandbox(gpus=[])
    try:
        t = CodeTask(LLMClient("fake/unused"), lambda: sb, Limits(wall_s=10))
        row = t.rows["Galapagos/add"]
        assert t.grade(row["task_id"], READ_THE_TESTS).score == 1.0
    finally:
        sb.close()
