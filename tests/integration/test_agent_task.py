"""Agents as candidates, in real Docker sandboxes, with the scripted oracle model behind
the real gateway: the seed agent solves a known subset; a run whose proposer is the agent
editing itself makes a child that solves more; kill -9 mid-evaluation, then resume, pays
for no LLM call twice; API keys never enter the sandbox."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from galapagos.agents.gateway import Caps, Gateway
from galapagos.agents.llm import FakeLLM, LLMClient, scope
from galapagos.archive import Archive
from galapagos.sandbox import Limits, make_sandbox
from galapagos.tasks import TaskContext
from galapagos.tasks.agent.run import AgentRunner
from tests.conftest import ROOT
from tests.fixtures import agent_oracle
from tests.integration.test_kill_resume import count

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ORACLE = str(ROOT / "tests" / "fixtures" / "agent_oracle.py") + ":create"
SUBSET = ["repo/slugify", "repo/duration", "repo/intervals", "repo/chunks", "repo/ledger",
          "repo/roman", "repo/csvlite", "repo/median", "repo/wordcount"]


@pytest.fixture(scope="module")
def sandbox():
    box = make_sandbox("docker")
    yield lambda: box
    box.close()


def oracle_task(tmp_path, sandbox, **options):
    archive = Archive(tmp_path / "a.db")
    task = agent_oracle.create(TaskContext(
        options=options, llm=lambda m: LLMClient(m, log=archive, run_id="r"),
        sandbox=sandbox, limits=Limits(), run_id="r"))
    return task, archive


def test_the_one_step_seed_solves_exactly_the_easy_problems(tmp_path, sandbox):
    task, archive = oracle_task(tmp_path, sandbox)
    solved, seed = set(), task.seed_files()
    for inst in task.instances():
        with scope.evaluation("seed", inst.id):
            r = task.evaluate(seed, inst)
        assert r.trace["steps"][0]["kind"] == "start" and r.trace["calls"]
        if r.score == 1.0:
            solved.add(inst.id)
            assert r.output.startswith("--- a/")  # the diff it left
    repos = {i.id for i in task.instances() if i.id.startswith("repo/")}
    hard = {f"repo/{n}" for n in agent_oracle.HARD}
    functions = {i.id for i in task.instances() if i.id.startswith("fn/")}
    assert solved == (repos - hard) | functions
    rows = archive.llm_calls("r")
    assert {r["instance_id"] for r in rows} == {i.id for i in task.instances()}
    assert {r["candidate_id"] for r in rows} == {"seed"}


def write_config(folder, iterations=2):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c.toml").write_text(f"""
[run]
archive = "a.db"
[task]
name = "{ORACLE}"
[task.options]
only = {json.dumps(SUBSET)}
functions = ""
[llm]
model = "fake/deterministic"
[proposers]
use = ["self_modify"]
[loop]
minibatch_size = 3
[budget]
max_iterations = {iterations}
""")
    return folder / "c.toml"


def cli(*args):
    return [sys.executable, "-m", "galapagos.orchestrator", *args]


def test_a_run_where_the_agent_improves_itself(tmp_path):
    cfg = write_config(tmp_path)
    done = subprocess.run(cli("run", "-c", str(cfg), "--quiet"), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    a = Archive(tmp_path / "a.db")
    run = a.run_rows()[0]
    best = a.get_candidate(run.best)
    assert best.proposer == "self_modify" and best.parents == (a.get_run(run.id)[
        "seed_candidate"],)
    seed = a.get_candidate(best.parents[0])
    assert "MAX_STEPS = 1 " in seed.files["agent.py"]
    assert "MAX_STEPS = 3 " in best.files["agent.py"]
    assert set(best.files) == set(seed.files)  # no issue or smoke test left in the child
    assert run.best_val == 1.0 > run.seed_val  # val: roman and csvlite; roman is hard
    calls = a.llm_calls(run.id)
    self_mod = [c for c in calls if c["purpose"] == "self_modify"]
    assert self_mod and self_mod[0]["candidate_id"] == seed.id
    assert self_mod[0]["instance_id"].startswith(f"self_modify/{run.id}/")
    shown = subprocess.run(cli("show", run.id, "-a", str(tmp_path / "a.db"), "--diff",
                               best.id), capture_output=True, text=True)
    assert "+MAX_STEPS = 3" in shown.stdout


def test_kill_9_during_an_agent_evaluation_then_resume_repays_nothing(tmp_path):
    cfg = write_config(tmp_path, iterations=1)
    db = tmp_path / "a.db"
    env = {**os.environ, "ORACLE_DELAY_S": "0.4"}
    proc = subprocess.Popen(cli("run", "-c", str(cfg), "--quiet"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while count(db, "select count(*) from llm_calls where purpose = 'agent'") < 3:
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    time.sleep(0.2)  # inside an agent's evaluation: it waits on its next answer
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    paid_before = count(db, "select count(*) from llm_calls where error is null")
    run_id = sqlite3.connect(db).execute("select id from runs").fetchone()[0]
    done = subprocess.run(cli("resume", run_id, "-a", str(db), "--quiet"), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    twice = count(db, "select count(*) from (select 1 from llm_calls where error is null "
                  "group by candidate_id, instance_id, messages having count(*) > 1)")
    assert twice == 0 and count(db, "select count(*) from llm_calls") > paid_before
    assert count(db, "select count(*) from (select 1 from evaluations group by candidate_id,"
                 " instance_id, split having count(*) > 1)") == 0


HOSTILE = r'''
import glob, json, os, socket, sys, time
sys.path.insert(0, sys.argv[1])
import galapagos_llm as gw
seen = {"env": dict(os.environ), "proc": [], "files": {}, "writes": [], "calls": []}
for p in glob.glob("/proc/*/environ"):
    try:
        seen["proc"].append(open(p, "rb").read().decode("latin-1"))
    except OSError:
        pass
for p in glob.glob("/gateway/*") + glob.glob("/agent/*"):
    try:
        seen["files"][p] = open(p, "rb").read().decode("latin-1")
    except OSError as e:
        seen["files"][p] = str(e)
for p in ("/agent/agent.py", "/gateway/galapagos_llm.py", "/gateway/evil"):
    try:
        open(p, "a").write("x")
        seen["writes"].append(p)
    except OSError:
        pass
big = socket.socket(socket.AF_UNIX)
big.connect(sys.argv[1] + "/llm.sock")
big.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n")
seen["calls"].append(big.recv(200).decode()[:12])
held = []
for _ in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1] + "/llm.sock")
    held.append(s)
time.sleep(0.5)
for s in held:
    s.close()
time.sleep(0.5)
for model in ("openai/gpt-4o", None):
    try:
        seen["calls"].append(gw.chat("hello", model=model, max_tokens=5))
    except gw.GatewayError as e:
        seen["calls"].append(e.status)
os.makedirs(os.path.dirname(sys.argv[3]), exist_ok=True)
open(sys.argv[3], "w").write(json.dumps({"kind": "seen", **seen}) + "\n")
'''


def test_a_hostile_agent_gets_errors_no_keys_and_the_call_after_works(tmp_path, monkeypatch,
                                                                      sandbox):
    canary = "sk-canary-" + os.urandom(8).hex()
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    archive = Archive(tmp_path / "a.db")
    FakeLLM("polite", rule=lambda m: "hi there")
    gw = Gateway(lambda m: LLMClient(m, log=archive, run_id="r"), ["fake/polite"], Caps())
    runner = AgentRunner(gw, sandbox, Limits(wall_s=60))
    run = runner.run({"agent.py": HOSTILE}, {"ISSUE.md": "x"}, {"instance_id": "hostile"})
    seen = run.log[0]
    blob = json.dumps(seen) + json.dumps(run.files) + run.stderr
    assert canary not in blob and "OPENAI_API_KEY" not in seen["env"]
    assert seen["writes"] == []  # the agent and the gateway folder are read-only
    assert seen["calls"][0] == "HTTP/1.1 413"
    assert seen["calls"][1:] == [403, "hi there"]  # refused, then served: the run goes on
    assert any("503" in r for r in run.refused)  # the flood past the connection cap
