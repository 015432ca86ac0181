"""kill -9 of a real `galapagos run` at several points, then `galapagos resume`: the archive
ends up as an uninterrupted run's would (no evaluation lost, none paid twice).

The random kill points are drawn from seeds; run more of them in a loop with
``GALAPAGOS_KILL_SEEDS=$(seq -s, 1 30) pytest tests/integration/test_kill_resume.py -k random``."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, TOY
from tests.unit.test_loop import snapshot

pytestmark = pytest.mark.slow
SEEDS = [int(s) for s in os.environ.get("GALAPAGOS_KILL_SEEDS", "7,11").split(",")]


def config_file(d, name, task, rest):
    """``d``/c.toml: a run named ``name`` of ``task`` into ``d``/a.db, then ``rest``."""
    d.mkdir(parents=True, exist_ok=True)
    p = d / "c.toml"
    p.write_text(f'[run]\narchive = "a.db"\nname = "{name}"\n[task]\nname = "{task}"\n' + rest)
    return p


def write_config(d, iterations=14):
    return config_file(d, "k", TOY, f'[task.options]\ndelay = 0.01\nledger = "{d / "paid.txt"}"\n'
                       '[llm]\nmodel = "fake/deterministic"\n'
                       f'[budget]\nmax_iterations = {iterations}\n')


def cli(*args):
    return [sys.executable, "-m", "galapagos.orchestrator", *args, "--quiet"]


def count(db, sql):
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return c.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def kill_when(proc, db, sql, threshold, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before the kill point ({sql} >= {threshold})")
        if count(db, sql) >= threshold:
            time.sleep(0.03)  # land inside the next node, not on its boundary
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.01)
    pytest.fail("kill point never reached")


def test_kill_9_at_several_points_then_resume_matches_uninterrupted(tmp_path):
    ref_cfg = write_config(tmp_path / "ref")
    subprocess.run(cli("run", "-c", str(ref_cfg)), check=True, capture_output=True)
    ref_db = tmp_path / "ref" / "a.db"

    cfg = write_config(tmp_path / "killed")
    db = tmp_path / "killed" / "a.db"
    points = [("select count(*) from evaluations", 5),          # during the seed's val pass
              ("select count(*) from events where kind='iteration'", 4),
              ("select count(*) from events where kind='iteration'", 9)]
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_when(proc, db, *points[0])
    run_id = sqlite3.connect(db).execute("select id from runs").fetchone()[0]
    for sql, threshold in points[1:]:
        proc = subprocess.Popen(cli("resume", run_id, "-a", str(db)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_when(proc, db, sql, threshold)
    done = subprocess.run(cli("resume", run_id, "-a", str(db)), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    ref_id = sqlite3.connect(ref_db).execute("select id from runs").fetchone()[0]
    a, b = snapshot(ref_db, ref_id), snapshot(db, run_id)
    assert b["candidates"] == a["candidates"]
    assert b["evaluations"] == a["evaluations"]        # none lost, none paid twice
    assert b["llm"] == a["llm"]
    assert [e[:2] for e in b["events"]] == [e[:2] for e in a["events"]]
    assert b["best"] == a["best"]
    # what was paid, not what was stored: each kill may lose the one evaluation in flight
    # (one worker), and nothing else is paid again
    ref_paid = (tmp_path / "ref" / "paid.txt").read_text().splitlines()
    paid = (tmp_path / "killed" / "paid.txt").read_text().splitlines()
    assert len(set(ref_paid)) == len(ref_paid) == len(a["evaluations"])
    assert set(paid) == set(ref_paid)
    assert len(paid) - len(ref_paid) <= len(points)
    keys = [r[0] for r in sqlite3.connect(db).execute(
        "select cache_key from llm_calls where error is null and cache_key is not null")]
    assert len(keys) == len(set(keys))  # no LLM answer paid twice either


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_at_a_safe_point_and_says_how_to_resume(tmp_path, sig):
    """SIGTERM (what `timeout` sends) is handled as Ctrl-C: it used to leave the run
    marked running, with its containers up."""
    cfg = write_config(tmp_path / "int", iterations=40)
    db = tmp_path / "int" / "a.db"
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while count(db, "select count(*) from events where kind='iteration'") < 3:
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    run_id = sqlite3.connect(db).execute("select id, status from runs").fetchone()
    assert proc.returncode == 130
    assert f"galapagos resume {run_id[0]}" in err and run_id[1] == "interrupted"
    done = subprocess.run(cli("resume", run_id[0], "-a", str(db)), capture_output=True,
                          text=True)
    assert done.returncode == 0 and "iterations (40 of 40)" in done.stdout.replace("\n", " ")


PROGRAM = str(ROOT / "tests" / "fixtures" / "toy_program.py") + ":create"


def program_config(d, iterations=16):
    return config_file(d, "p", PROGRAM,
                       '[task.options]\ndelay = 0.01\n[llm]\nmodel = "fake/deterministic"\n'
                       '[selector]\nkind = "dgm"\n'
                       '[proposers]\nuse = ["literal", "code_edit", "merge"]\nmerge = {every = 3}\n'
                       f'[budget]\nmax_iterations = {iterations}\n')


def archive_state(db):
    with sqlite3.connect(db) as c:
        return {"blobs": c.execute("select hash, size from blobs order by 1").fetchall(),
                "trees": c.execute("select id, files from candidates order by 1").fetchall()}


def killed_at_random(tmp_path, config, seed):
    """The uninterrupted run and one killed at three random evaluation counts, then resumed
    to its end: their snapshots."""
    import random

    subprocess.run(cli("run", "-c", str(config(tmp_path / "ref"))), check=True,
                   capture_output=True)
    ref_db, db = tmp_path / "ref" / "a.db", tmp_path / "killed" / "a.db"
    cfg = config(tmp_path / "killed")
    total = count(ref_db, "select count(*) from evaluations where split != 'test'")
    evals = sorted(random.Random(seed).sample(range(4, total - 4), 3))  # evaluations stored
    proc = subprocess.Popen(cli("run", "-c", str(cfg)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_when(proc, db, "select count(*) from evaluations", evals[0])
    run_id = sqlite3.connect(db).execute("select id from runs").fetchone()[0]
    for threshold in evals[1:]:
        proc = subprocess.Popen(cli("resume", run_id, "-a", str(db)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_when(proc, db, "select count(*) from evaluations", threshold)
    done = subprocess.run(cli("resume", run_id, "-a", str(db)), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ref_id = sqlite3.connect(ref_db).execute("select id from runs").fetchone()[0]
    return snapshot(ref_db, ref_id), snapshot(db, run_id), ref_db, db


def search_config(d):
    """The prompt search's defaults with every issue-22 mechanism in play: an empty demos
    set filled in one child, demos added and dropped by measured effect, racing on val and
    the proposer bandit; train scores are coin tosses, so children pass the minibatch by
    luck and val races them out."""
    return config_file(d, "s", TOY, '[task.options]\ndelay = 0.01\ncoin_train = true\n'
                       '[llm]\nmodel = "fake/deterministic"\n'
                       '[loop]\nacceptance = "non_decreasing"\n'
                       '[loop.race]\nmin_instances = 4\nchunk = 2\n'
                       '[proposers.bandit]\nenabled = true\n'
                       '[budget]\nmax_iterations = 20\n')


@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_at_random_points_of_a_search_with_every_mechanism_on(tmp_path, seed):
    a, b, ref_db, _ = killed_at_random(tmp_path, search_config, seed)
    for key in ("candidates", "evaluations", "llm", "best"):
        assert b[key] == a[key], key
    assert [e[:2] for e in b["events"]] == [e[:2] for e in a["events"]]
    notes = [json.loads(d) for (d,) in sqlite3.connect(ref_db).execute(
        "select data from events where kind = 'iteration'")]
    assert any("raced out" in (n.get("reason") or "") for n in notes)  # the race ran
    assert sum(n["proposer"] == "demos" and n["outcome"] == "accepted" for n in notes) >= 2


@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_at_random_points_of_a_program_run_then_resume(tmp_path, seed):
    a, b, ref_db, db = killed_at_random(tmp_path, program_config, seed)
    assert b["candidates"] == a["candidates"] and b["evaluations"] == a["evaluations"]
    assert b["llm"] == a["llm"] and b["best"] == a["best"]
    assert archive_state(db) == archive_state(ref_db)  # the same programs, blob for blob
    assert any(c[3] == "literal" and c[1] == "accepted" for c in b["candidates"])


def carbs_config(d, flight=1):
    return config_file(d, "carbs", "scaling",
                       '[llm]\nmodel = "fake/deterministic"\n[proposers]\nuse = ["carbs"]\n'
                       '[proposers.carbs]\ncost = "cost"\n'
                       '[loop]\nminibatch_size = 4\nacceptance = "non_decreasing"\n'
                       f'in_flight = {flight}\n[budget]\nmax_iterations = 20\n')


def flight_config(d):
    """Three suggestions in flight, each counting its earlier siblings as pending."""
    return carbs_config(d, flight=3)


def settings_config(d):
    """CARBS on a prompt task's model settings ([search_space]) beside demo mutation."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "qa.jsonl").write_text("".join(
        json.dumps({"id": f"{s}{k}", "split": s, "input": f"Say {s}{k}.", "answer": f"{s}{k}"})
        + "\n" for s, n in (("train", 12), ("val", 8), ("test", 4)) for k in range(n)))
    return config_file(d, "settings", "qa",
                       '[task.options]\ndata = "qa.jsonl"\nmodel = "fake/deterministic"\n'
                       '[llm]\nmodel = "fake/deterministic"\n'
                       '[proposers]\nuse = ["carbs", "demos"]\n'
                       '[proposers.carbs]\ncost = "tokens"\n'  # seconds differ per run
                       '[search_space.temperature]\nvalue = 0.3\nlow = 0.0\nhigh = 2.0\n'
                       '[search_space.max_tokens]\nvalue = 8\nspace = "log"\nint = true\n'
                       '[loop]\nacceptance = "non_decreasing"\n'
                       '[budget]\nmax_iterations = 20\n')


@pytest.mark.parametrize("make", [carbs_config, flight_config, settings_config],
                         ids=["program", "in_flight", "settings"])
def test_kill_9_during_a_carbs_run_then_resume_matches_uninterrupted(tmp_path, make):
    subprocess.run(cli("run", "-c", str(make(tmp_path / "ref"))), check=True,
                   capture_output=True, timeout=300)
    ref_db, db = tmp_path / "ref" / "a.db", tmp_path / "killed" / "a.db"
    proc = subprocess.Popen(cli("run", "-c", str(make(tmp_path / "killed"))),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(proc, db, "select count(*) from events where kind='iteration'", 8)
    run_id = sqlite3.connect(db).execute("select id from runs").fetchone()[0]
    proc = subprocess.Popen(cli("resume", run_id, "-a", str(db)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_when(proc, db, "select count(*) from events where kind='iteration'", 14)
    done = subprocess.run(cli("resume", run_id, "-a", str(db)), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ref_id = sqlite3.connect(ref_db).execute("select id from runs").fetchone()[0]
    a, b = snapshot(ref_db, ref_id), snapshot(db, run_id)
    for key in ("candidates", "evaluations", "best"):
        assert b[key] == a[key], key
    assert [e[:2] for e in b["events"]] == [e[:2] for e in a["events"]]
    if make is settings_config:  # a front member was scored again (CARBS' resampling)
        assert any(outcome == "resampled" for _, outcome, _ in a["events"])
