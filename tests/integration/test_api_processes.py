"""The Python API across processes (issue 23.2): ``kill -9`` of a Python process running
``galapagos.optimize``, then the same script again, ends as the uninterrupted run does;
the same script on a Ray cluster (``tests/integration/test_ray.py``) ships its
``__main__``-defined scoring function to the workers."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.test_kill_resume import count

pytestmark = pytest.mark.slow

SCRIPT = '''
import hashlib, os, sys, time
import galapagos as gp
from galapagos.agents.llm.fake import FakeLLM

archive, kind, address, ledger, iterations = sys.argv[1:6]

def h(text):
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)

FakeLLM("reflector", rule=lambda m: f"```\\nAnswer carefully, take {h(str(m)) % 1000}.\\n```\\n")
TRAIN = [{"q": f"{i} plus 1", "a": str(i + 1)} for i in range(8)]
VAL = [{"q": f"{i} plus 2", "a": str(i + 2)} for i in range(6)]

def score(prompt, example):
    with open(ledger, "a") as f:
        f.write(f"{os.getpid()} {h(prompt)} {example['q']}\\n")
    time.sleep(0.02)
    out = gp.answer("fake/deterministic", f"{prompt}\\n{example['q']}")
    return float(h(prompt + example["q"] + out) % 3 != 0), f"expected {example['a']}"

overrides = {"executor.kind": kind, "loop.workers": 2}
if address:
    overrides.update({"executor.address": address, "executor.start_s": 15})
result = gp.optimize("Answer the question.", score, train=TRAIN, val=VAL,
                     reflection_model="fake/reflector", archive=archive, name="proc",
                     budget=gp.Budget(iterations=int(iterations)), overrides=overrides,
                     progress=False)
print(result.status, result.run_id, result.best_id, os.getpid())
'''


def script(tmp_path):
    path = tmp_path / "optimize_me.py"
    path.write_text(SCRIPT)
    return path


def python(path, folder, kind="local", address="", iterations=10):
    folder.mkdir(parents=True, exist_ok=True)
    return [sys.executable, str(path), str(folder / "a.db"), kind, address,
            str(folder / "paid.txt"), str(iterations)]


def history(db):
    import galapagos as gp

    run = gp.open(db).run()
    return ([c.id for c in run.candidates()],
            [(i.outcome, i.parent, i.child) for i in run.iterations()],
            sorted((s.instance_id, s.score) for c in run.candidates()
                   for split in ("train", "val") for s in run.scores(c.id, split)))


def test_kill_9_of_a_python_process_then_the_same_call_equals_the_unbroken_run(tmp_path):
    path = script(tmp_path)
    ref = subprocess.run(python(path, tmp_path / "ref"), capture_output=True, text=True,
                         timeout=300)
    assert ref.returncode == 0 and ref.stdout.startswith("finished"), ref.stderr[-2000:]

    folder = tmp_path / "killed"
    db = folder / "a.db"
    for kills in (3, 7):
        proc = subprocess.Popen(python(path, folder), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while count(db, "select count(*) from events where kind='iteration'") < kills:
            assert proc.poll() is None and time.time() < deadline, "ended before the kill"
            time.sleep(0.01)
        time.sleep(0.03)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = subprocess.run(python(path, folder), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("finished"), done.stderr[-2000:]
    assert count(db, "select count(*) from runs") == 1  # the same run, continued
    assert history(db) == history(tmp_path / "ref" / "a.db")
    ref_paid = (tmp_path / "ref" / "paid.txt").read_text().splitlines()
    paid = (folder / "paid.txt").read_text().splitlines()
    assert len(paid) - len(ref_paid) <= 2 * 2  # at most the evaluations in flight per kill
