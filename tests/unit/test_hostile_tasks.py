"""Task plug-ins that return what cannot be stored, never return, or return a billion
characters (issue 36): a bad score is the task's error, named with the task, the instance
and the value, and never stored; archives holding such rows from older versions still read;
a child's 1e308 does not overflow validation; a hanging evaluate() is stopped by its
deadline, the wall-clock budget and a second Ctrl-C; huge outputs are cut at the boundary."""

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

import galapagos as gp
from galapagos.archive import Archive
from galapagos.errors import BadResult, TaskError
from galapagos.orchestrator.cli import app
from galapagos.orchestrator.runner import resume_run, start_run
from tests.conftest import ROOT, toy_config

PLUGIN = """
import os, sys, time
sys.path.insert(0, {root!r})
from galapagos.tasks.protocol import Result
from tests.fixtures.toy_task import ToyTask

class Hostile(ToyTask):
    def evaluate(self, candidate, instance):
        r = super().evaluate(candidate, instance)
        mode = {mode!r}
        child = candidate["answer"] != "nothing"
        if mode == "score":
            r.score = {value}
        elif mode == "child-huge-score" and child and instance.id == "val-0":
            r.score = 1e308
        elif mode == "hang" or (mode == "hang-child" and child) or (
                mode == "hang-file" and os.path.exists({flag!r})):
            time.sleep(3600)
        elif mode == "huge":
            r.output = "x" * 10**8
            r.feedback = "y" * 10**7
            r.trace = {{"log": ["z" * 10**6] * 100, "deep": [[[[[[1]]]]]]}}
        return r

def create(ctx):
    return Hostile()
"""


def plugin(tmp_path, mode, value="0.0"):
    path = tmp_path / f"hostile_{mode}.py"
    path.write_text(PLUGIN.format(root=str(ROOT), mode=mode, value=value,
                                  flag=str(tmp_path / "hang")))
    return f"{path}:create"


BAD = {"nan": "float('nan')", "inf": "float('inf')", "-inf": "-float('inf')",
       "10**400": "10**400", "abc": "'abc'", "None": "None", "[1]": "[1]", "True": "True"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_score_is_the_tasks_error_named_and_never_stored(tmp_path, name):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "score", BAD[name])})
    with pytest.raises(BadResult) as err:
        start_run(cfg)
    msg = str(err.value)
    assert "Task 'toy'" in msg and "for instance '" in msg, msg
    shown = {"nan": "nan", "inf": "inf", "-inf": "-inf", "10**400": "1" + "0" * 40,
             "abc": "'abc'", "None": "None", "[1]": "[1]", "True": "True"}[name]
    assert shown in msg, msg
    a = Archive(cfg.run.archive)
    assert a.db.execute("select count(*) from evaluations").fetchone()[0] == 0
    assert a.list_runs()[0]["status"] == "failed"
    assert CliRunner().invoke(app, ["runs", "-a", str(cfg.run.archive)]).exit_code == 0


def test_an_archive_with_nan_and_inf_rows_from_before_still_reads(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 2}))
    db = sqlite3.connect(out.archive)
    db.execute("update evaluations set score = null where id % 3 = 0")  # NaN, as stored
    db.execute("update evaluations set score = 9e999 where id % 3 = 1")
    db.execute("update runs set summary = ?", [json.dumps(
        {**out.summary, "val": {k: math.nan for k in out.summary["val"]}})])
    db.execute("delete from _migrations where name = 'm009_finite_scores'")
    db.commit()
    db.close()
    cli = CliRunner()
    for args in (["runs"], ["show", out.run_id], ["runs", "--json"]):
        res = cli.invoke(app, [*args, "-a", str(out.archive)])
        assert res.exit_code == 0, (args, res.output)
    reader = gp.open(out.archive)
    assert reader.runs() and reader.run(out.run_id).summary is not None
    assert reader.run(out.run_id).best is not None and reader.to_pandas() is not None
    scores = [r[0] for r in sqlite3.connect(out.archive).execute(
        "select score from evaluations")]
    assert all(isinstance(s, float) and math.isfinite(s) for s in scores)
    again = resume_run(out.archive, out.run_id, {"budget.max_iterations": 3})
    assert again.status == "finished"


def test_a_childs_huge_score_does_not_overflow_validation(tmp_path):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "child-huge-score")},
                     loop={"race": {"enabled": True}, "acceptance": "paired"},
                     budget={"max_iterations": 4})
    out = start_run(cfg)
    assert out.status == "finished", out


def test_a_hanging_evaluate_is_stopped_by_its_deadline(tmp_path):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "hang-child"),
                                     "eval_timeout_s": 0.5},
                     budget={"max_iterations": 2}, loop={"minibatch_size": 2})
    start = time.monotonic()
    out = start_run(cfg)
    assert out.status == "finished" and time.monotonic() - start < 60
    rows = Archive(cfg.run.archive).db.execute(
        "select score, error from evaluations where error is not null").fetchall()
    assert rows and all(s == 0.0 and "did not return within 0.5 s" in e for s, e in rows)


def test_a_task_that_always_hangs_stops_the_run_resumably(tmp_path):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "hang"), "eval_timeout_s": 0.3},
                     loop={"minibatch_size": 2})
    with pytest.raises(TaskError, match="did not return within"):
        start_run(cfg)
    assert Archive(cfg.run.archive).list_runs()[0]["status"] == "failed"


def test_the_wall_clock_budget_stops_a_hanging_evaluate(tmp_path):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "hang")},
                     budget={"max_wall_s": 1.5})
    start = time.monotonic()
    out = start_run(cfg)
    assert time.monotonic() - start < 30
    assert out.status == "interrupted" and "wall-clock" in out.stop_reason, out
    assert "before the seed was scored" in out.stop_reason


def test_a_second_ctrl_c_stops_a_hanging_evaluate_at_once(tmp_path):
    (tmp_path / "hang").write_text("")
    task = plugin(tmp_path, "hang-file")
    (tmp_path / "c.toml").write_text(
        f'[run]\narchive = "a.db"\nname = "t"\n[task]\nname = "{task}"\n'
        '[llm]\nmodel = "fake/deterministic"\n[budget]\nmax_iterations = 2\n')
    cmd = [sys.executable, "-m", "galapagos.orchestrator", "run", "-c",
           str(tmp_path / "c.toml"), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT.parent)})
    db = tmp_path / "a.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _running(db):
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None  # the first Ctrl-C waits for a safe point
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=15)
    run = Archive(db).list_runs()[0]
    assert run["status"] == "interrupted", run
    (tmp_path / "hang").unlink()
    out = resume_run(db, run["id"])
    assert out.status == "finished"


def _running(db):
    try:
        return Archive(db).list_runs()[0]["status"] == "running"
    except Exception:  # noqa: BLE001 - not made yet
        return False


def test_huge_outputs_feedback_and_traces_are_cut_with_a_note(tmp_path):
    cfg = toy_config(tmp_path, task={"name": plugin(tmp_path, "huge")},
                     budget={"max_iterations": 1})
    start_run(cfg)
    out, fb, trace = Archive(cfg.run.archive).db.execute(
        "select output, feedback, trace from evaluations limit 1").fetchone()
    assert len(out) < 200_000 and "[cut: 99,900,000 more characters]" in out
    assert len(fb) < 40_000 and "more characters]" in fb
    assert len(trace) < 400_000 and "more characters]" in trace


def test_a_config_key_nested_too_deep_is_a_config_error(tmp_path):
    from galapagos.errors import ConfigError
    from galapagos.orchestrator.config import load_config
    from galapagos.orchestrator.config_text import parse_override

    deep = tmp_path / "deep.toml"
    deep.write_text("[" + ".".join(["a"] * 100_000) + "]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"\[a\.a\.a\.a\.a\.a\.…"):
        load_config(deep)
    key, value = parse_override(".".join(["b"] * 60_000) + "=1")
    with pytest.raises(ConfigError, match=r"b\.b\.b\.b\.b\.b\.… \(60000 parts\)"):
        load_config(None, {key: value}, base={"task": {"name": "sentiment"}})
    res = CliRunner().invoke(app, ["run", "-c", str(deep)])  # main() prints it as one line
    assert isinstance(res.exception, ConfigError) and "deep" in str(res.exception)


def test_export_through_a_link_or_into_files_needs_force_and_names_the_folder(tmp_path):
    from galapagos.errors import ConfigError

    out = start_run(toy_config(tmp_path, budget={"max_iterations": 1}))
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    cli = CliRunner()
    refused = cli.invoke(app, ["export", out.run_id, "-a", str(out.archive), "-o", str(link)])
    assert isinstance(refused.exception, ConfigError)
    assert "is a link to" in str(refused.exception)
    assert list(real.iterdir()) == []
    done = cli.invoke(app, ["export", out.run_id, "-a", str(out.archive), "-o", str(link),
                            "--force"])
    assert done.exit_code == 0 and str(real) in done.output.replace("\n", "")
    assert (real / "answer.txt").exists()
    again = cli.invoke(app, ["export", out.run_id, "-a", str(out.archive), "-o", str(real)])
    assert isinstance(again.exception, ConfigError)
    assert "not an empty folder" in str(again.exception)
