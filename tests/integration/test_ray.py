"""Evaluations on a real Ray cluster that this test starts on this machine: a head node
and a second node process (`ray start`), each with one CPU. A run on it equals the same
run on local threads; a worker process killed mid-evaluation and a driver killed with -9
lose nothing and pay for no evaluation twice; an unreachable cluster is a clear error."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TOY
from tests.integration.test_kill_resume import count, kill_when
from tests.unit.test_loop import snapshot

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).with_name("ray"))
NODE_PORT = []  # the second node's raylet port: how the node-loss test finds it


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    port = free_port()
    # token auth off, said explicitly: a token file left by an earlier local `ray.init()`
    # would otherwise turn it on for some processes of this cluster and not others
    node_port = free_port()
    NODE_PORT.append(node_port)
    saved = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # the drivers below inherit it
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--num-cpus=1", "--object-store-memory=100000000", "--disable-usage-stats"]
    start(["--head", f"--port={port}", "--include-dashboard=false", *common], env)
    try:
        start([f"--address=127.0.0.1:{port}", f"--node-manager-port={node_port}", *common],
              env)
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)
        if saved is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved


def start(args, env):
    done = subprocess.run([RAY, "start", *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, f"ray start {' '.join(args)}: {done.stdout}{done.stderr}"


def config(folder, *, kind, address="", iterations=6, delay=0.0, workers=2):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c.toml").write_text(f"""
[run]
archive = "a.db"
[task]
name = "{TOY}"
[task.options]
delay = {delay}
ledger = "{folder / 'paid.txt'}"
pids = "{folder / 'pids.txt'}"
ask = "fake/deterministic"
[llm]
model = "fake/deterministic"
[loop]
workers = {workers}
[executor]
kind = "{kind}"
address = "{address}"
start_s = 15
[budget]
max_iterations = {iterations}
""")
    return folder / "c.toml"


def cli(*args):
    return [sys.executable, "-m", "galapagos.orchestrator", *args, "--quiet"]


def run_id(db):
    return sqlite3.connect(db).execute("select id from runs").fetchone()[0]


def same_run(ref_db, db):
    a, b = snapshot(ref_db, run_id(ref_db)), snapshot(db, run_id(db))
    for key in ("candidates", "evaluations", "llm", "best"):
        assert b[key] == a[key], key


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local")
    subprocess.run(cli("run", "-c", str(config(folder, kind="local"))), check=True,
                   capture_output=True, timeout=300)
    return folder / "a.db"


def test_a_run_on_two_ray_nodes_equals_the_run_on_local_threads(cluster, reference, tmp_path):
    done = subprocess.run(cli("run", "-c", str(config(tmp_path, kind="ray", address=cluster))),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    same_run(reference, tmp_path / "a.db")
    calls = sqlite3.connect(tmp_path / "a.db").execute(
        "select count(*), count(distinct instance_id) from llm_calls where purpose = 'task'"
        " and candidate_id is not null").fetchone()
    assert calls[0] == count(tmp_path / "a.db", "select count(*) from evaluations") > 0
    pids = {line.split()[0] for line in (tmp_path / "pids.txt").read_text().splitlines()}
    assert str(os.getpid()) not in pids and len(pids) >= 2  # both nodes' workers evaluated


def test_a_worker_killed_mid_evaluation_loses_and_duplicates_nothing(cluster, reference,
                                                                     tmp_path):
    cfg = config(tmp_path, kind="ray", address=cluster, delay=0.3)
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    pids = tmp_path / "pids.txt"
    deadline = time.time() + 120
    while not pids.exists() or len(pids.read_text().splitlines()) < 10:
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    victim = int(pids.read_text().splitlines()[-1].split()[0])
    os.kill(victim, signal.SIGKILL)  # inside evaluate: it sleeps 0.3 s there
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    same_run(reference, tmp_path / "a.db")
    paid = (tmp_path / "paid.txt").read_text().splitlines()
    assert len(paid) > len(set(paid))  # the killed evaluation was run again, and stored once


def test_the_driver_killed_with_9_resumes_exactly(cluster, reference, tmp_path):
    cfg = config(tmp_path, kind="ray", address=cluster, delay=0.05)
    db = tmp_path / "a.db"
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_when(proc, db, "select count(*) from events where kind='iteration'", 2, timeout=300)
    assert count(db, "select count(*) from runs where status = 'finished'") == 0
    done = subprocess.run(cli("resume", run_id(db), "-a", str(db)), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    same_run(reference, db)
    keys = [r[0] for r in sqlite3.connect(db).execute(
        "select cache_key from llm_calls where error is null and cache_key is not null")]
    assert len(keys) == len(set(keys))  # no answer paid for twice


def test_an_unreachable_cluster_is_a_clear_error_and_writes_no_run(tmp_path):
    port = free_port()  # nothing listens there
    done = subprocess.run(cli("run", "-c", str(config(tmp_path, kind="ray",
                                                      address=f"127.0.0.1:{port}"))),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    said = " ".join(done.stderr.split())
    assert f"Cannot reach the Ray cluster at '127.0.0.1:{port}'" in said
    assert "ray start --head" in said
    assert count(tmp_path / "a.db", "select count(*) from runs") == 0


@pytest.mark.docker
def test_agents_run_in_docker_on_ray_workers_and_their_calls_reach_the_driver(cluster,
                                                                             tmp_path):
    from tests.integration.test_agent_task import write_config

    cfg = write_config(tmp_path, iterations=1)
    with cfg.open("a") as f:
        f.write(f'[executor]\nkind = "ray"\naddress = "{cluster}"\nstart_s = 30\n')
    done = subprocess.run(cli("run", "-c", str(cfg)), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    db = tmp_path / "a.db"
    rows = sqlite3.connect(db).execute(
        "select count(*), count(distinct instance_id) from llm_calls where purpose = 'agent'"
        " and candidate_id is not null and cache_key like 'gw:%'").fetchone()
    evaluated = count(db, "select count(distinct instance_id) from evaluations")
    assert rows[0] >= evaluated == rows[1] > 0  # each evaluation's agent called the model
    assert count(db, "select count(*) from llm_calls where purpose = 'self_modify'") >= 1


def test_a_lost_node_s_work_is_rescheduled(cluster, reference, tmp_path):
    """Last in this module: it leaves the cluster one node short."""
    cfg = config(tmp_path, kind="ray", address=cluster, delay=0.3)
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    pids, deadline = tmp_path / "pids.txt", time.time() + 120
    while not pids.exists() or len({ln.split()[0] for ln in pids.read_text().splitlines()}) < 2:
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    raylet = next(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                  and _cmdline(p).find(f"node_manager_port={NODE_PORT[-1]}") >= 0
                  and "raylet" in _cmdline(p))
    os.kill(raylet, signal.SIGKILL)  # the second node is gone, with its evaluations
    assert proc.wait(timeout=400) == 0, proc.stderr.read()
    same_run(reference, tmp_path / "a.db")


def _cmdline(proc_dir):
    try:
        return (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_python_run_ships_its_main_defined_score_to_the_workers(cluster, tmp_path):
    """optimize(...) from a script: the scoring function lives in __main__, which no
    worker can import; it travels by value and the run equals the local one."""
    from tests.integration.test_api_processes import history, python, script

    path = script(tmp_path)
    local = subprocess.run(python(path, tmp_path / "local", iterations=4),
                           capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr[-2000:]
    on_ray = subprocess.run(python(path, tmp_path / "ray", "ray", cluster, iterations=4),
                            capture_output=True, text=True, timeout=300)
    assert on_ray.returncode == 0 and on_ray.stdout.startswith("finished"), \
        on_ray.stderr[-2000:]
    assert history(tmp_path / "ray" / "a.db") == history(tmp_path / "local" / "a.db")
    pids = {line.split()[0] for line in (tmp_path / "ray" / "paid.txt").read_text()
            .splitlines()}
    driver = on_ray.stdout.split()[-1]
    assert pids and driver not in pids  # Ray workers scored (the node test may have
    # removed the second node by now), never the driver
