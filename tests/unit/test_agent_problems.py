"""The shipped agent problems hold up: each repository's bug fails its visible and hidden
tests, and its reference fix passes both (checked outside any sandbox, on copies)."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from galapagos.errors import TaskError
from galapagos.tasks.agent import REPOS
from galapagos.tasks.agent.problems import HIDDEN, load_functions, load_repos
from galapagos.tasks.grading import FUNCTIONS as DATA

CHECK = textwrap.dedent("""
    import importlib, sys
    sys.path.insert(0, sys.argv[1])
    def call(name, *args):
        module, _, attr = name.rpartition(".")
        return getattr(importlib.import_module(module), attr)(*args)
    scope = {}
    exec(open(sys.argv[2]).read(), scope)
    scope["check"](call)
    """)


def passes(folder, check):
    visible = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", "tests"],
                             cwd=folder, capture_output=True).returncode == 0
    hidden = subprocess.run([sys.executable, "-c", CHECK, str(folder), str(check)],
                            capture_output=True).returncode == 0
    return visible, hidden


def apply_fix(folder, fix_text):
    path, rest = fix_text.split("\n", 1)
    search = rest.split("<<<<<<< SEARCH\n", 1)[1].split("\n=======\n")[0]
    replace = rest.split("\n=======\n", 1)[1].split("\n>>>>>>> REPLACE")[0]
    text = (folder / path).read_text()
    assert search in text, f"{folder.name}: the reference fix does not apply"
    (folder / path).write_text(text.replace(search, replace, 1))


@pytest.mark.parametrize("name", sorted(p.name for p in REPOS.iterdir()))
def test_bug_fails_and_reference_fix_passes(tmp_path, name):
    src = REPOS / name
    work = tmp_path / name
    shutil.copytree(src, work, ignore=shutil.ignore_patterns(HIDDEN, "__pycache__"))
    check = src / HIDDEN / "check.py"
    assert passes(work, check) == (False, False)
    apply_fix(work, (src / HIDDEN / "fix.txt").read_text())
    assert passes(work, check) == (True, True)


def test_problem_sets_load_with_splits_and_no_hidden_file_in_a_workspace():
    repos, functions = load_repos(REPOS), load_functions(DATA)
    assert len(repos) >= 20 and len(functions) == len(DATA.read_text().splitlines())
    assert {p.split for p in repos} == {"train", "val", "test"}
    for p in repos:
        assert "ISSUE.md" in p.workspace and not any(HIDDEN in f for f in p.workspace)
        assert "def check(call)" in p.check


def test_a_malformed_repository_is_named_in_the_error(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "ISSUE.md").write_text("x")
    with pytest.raises(TaskError, match="broken.*needs ISSUE.md and .hidden/check.py"):
        load_repos(tmp_path)


def test_a_sandbox_failure_in_the_smoke_check_is_an_infrastructure_fault_not_a_verdict():
    """It used to come back as a reason, so the child was stored as a failed attempt."""
    from types import SimpleNamespace

    from galapagos.errors import SandboxError
    from galapagos.sandbox import Limits, RunResult
    from galapagos.tasks.agent import AgentTask

    broken = SimpleNamespace(run=lambda req: RunResult(exit_code=-1,
                                                       error="the Docker engine went away"))
    task = AgentTask.__new__(AgentTask)  # only what smoke uses: the sandbox and the limits
    task.runner = SimpleNamespace(sandbox=lambda: broken)
    task.grader = SimpleNamespace(limits=Limits())
    with pytest.raises(SandboxError, match="Docker engine went away"):
        task.smoke({"agent.py": "x = 1"})
