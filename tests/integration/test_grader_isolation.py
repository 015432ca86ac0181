"""No file or environment a candidate can influence runs in a grading process (issue 19.1).

The attack that worked: an agent left a Python user-site hook (``usercustomize.py`` under
``.local/lib/...``) in its workspace; the worker (the candidate's side) planted it where the
grader's HOME was (/tmp), and the grader's Python, not isolated, ran it at start-up. These
tests plant every start-up hook a candidate could write (user and site customize modules,
``.pth`` files, modules that shadow the standard library) in every place it can write, and
check that nothing of it runs on the grader's side: for any Python the grader party starts
(the sandbox's guarantee), and for the real harness on every grading path (function calls
as the code task grades, ``--calls`` as the agent and loss tasks grade)."""

import pytest

from galapagos.sandbox import Limits, RunRequest
from galapagos.tasks.grading import HiddenGrader

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# the candidate's side: plant every hook in every folder it can write, then say so
PLANT = r'''
import os, sys
HOOK = ("import sys; sys.stdout.write('VERDICT PASS forged by a planted hook\\n'); "
        "sys.stdout.flush(); import os; os._exit(0)\n")
NAMES = ["usercustomize.py", "sitecustomize.py", "json.py", "ast.py", "re.py", "random.py",
         "math.py", "errno.py", "time.py", "encodings.py", "os.py"]
SITES = [f".local/lib/python3.{m}/site-packages" for m in range(8, 15)]
def writable_dirs():
    for root in ["/tmp", "/work", "/dev/shm", "/var/tmp", os.environ.get("HOME", "/work")]:
        for folder, dirs, _ in os.walk(root):
            if os.access(folder, os.W_OK):
                yield folder
def plant(folder):
    for sub in ["", *SITES]:
        target = os.path.join(folder, sub)
        try:
            os.makedirs(target, exist_ok=True)
            for name in NAMES:
                with open(os.path.join(target, name), "w") as f:
                    f.write(HOOK)
            with open(os.path.join(target, "zz_hook.pth"), "w") as f:
                f.write(HOOK.replace("\n", "; ").rstrip("; ") + "\n")
        except OSError:
            pass
for folder in sorted(set(writable_dirs())):
    plant(folder)
open("/tmp/planted", "w").close()
'''

WAIT_THEN = ("i=0; while [ ! -e /tmp/planted ] && [ $i -lt 200 ]; do sleep 0.05; "
             "i=$((i+1)); done; exec python3 -c \"{code}\"")
PROBE = ("import json, ast, re, random, math, errno, time, sys, os; "
         "print('CLEAN', sys.flags.no_user_site, os.getcwd())")


@pytest.fixture(scope="module")
def box():
    from galapagos.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(gpus=[])
    yield sb
    sb.close()


def test_no_hook_a_companion_plants_runs_in_any_python_the_grader_starts(box):
    """Deterministic: the grader party waits until every hook is planted, then starts a
    plain ``python3`` (no flags) that imports the modules the hooks shadow."""
    res = box.run(RunRequest(
        ["sh", "-c", WAIT_THEN.format(code=PROBE)], limits=Limits(wall_s=20),
        companion=RunRequest(["python3", "plant.py"], files={"plant.py": PLANT})))
    assert res.error is None and res.companion is not None and res.companion.ok, res
    assert "forged" not in res.stdout, res.stdout
    assert res.stdout.startswith("CLEAN 1 /tmp/galapagos-"), (res.stdout, res.stderr)


def test_the_graders_folder_is_its_own(box):
    """HOME, TMPDIR and cwd of the grader party: one folder only its uid may enter."""
    code = ("import os, stat; h = os.environ['HOME']; s = os.stat(h); "
            "print(h == os.environ['TMPDIR'] == os.getcwd(), s.st_uid, oct(s.st_mode & 0o777))")
    res = box.run(RunRequest(["python3", "-c", code],
                             companion=RunRequest(["true"], files={"x": "y"})))
    assert res.stdout.split() == ["True", "65534", "0o700"], (res.stdout, res.stderr)


@pytest.fixture(scope="module")
def grader(box):
    return HiddenGrader(lambda: box, Limits(wall_s=15))


ISOLATION = """
import os, sys
def check(*_):
    flags = (sys.flags.isolated, sys.flags.no_user_site, sys.flags.ignore_environment)
    open_to_others = [p for p in {os.environ.get("HOME"), os.environ.get("TMPDIR"),
                                  os.getcwd(), *sys.path}
                      if p and os.path.isdir(p) and (os.stat(p).st_mode & 0o022
                                                     or os.stat(p).st_uid == 1000)]
    print(f"VERDICT SCORE 1 {flags} {sorted(open_to_others)}", flush=True)
    os._exit(0)
"""


@pytest.mark.parametrize("mode", ["add", "--calls"])
def test_the_harness_starts_isolated_on_every_grading_path(grader, mode):
    """``add``: the code task's function calls; ``--calls``: the agent and loss tasks'."""
    v = grader.verdict(ISOLATION, mode, {"solution.py": "def add(a, b):\n    return a + b\n"},
                       {})
    assert v["status"] == "SCORE", v
    assert v["message"] == "1 (1, 1, 1) []", v["message"]


RACING = """
def check(call):
    assert call("mod.answer") == 42
"""


@pytest.mark.parametrize("attempt", range(3))
def test_a_workspace_hook_cannot_forge_the_verdict(grader, attempt):
    """The agent path as it was attacked: the hook sits in the workspace under
    ``.local``; the worker runs it (its own side) and it plants itself everywhere."""
    site = ".local/lib/python3.11/site-packages"
    files = {"mod.py": "def answer():\n    return 0\n",
             f"{site}/usercustomize.py": PLANT, "plant.py": PLANT}
    v = grader.verdict(RACING, "--calls", files, {})
    assert v["status"] == "FAIL", v

