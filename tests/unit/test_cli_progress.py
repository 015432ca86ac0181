"""Output in pipes and logs (issue 20.5): a line per iteration while the run goes on, JSON
lines for scripts, live figures in `runs` and `show` while a run is driven, fast errors."""

import json
import sqlite3
import subprocess
import sys
import time

from typer.testing import CliRunner

from galapagos.archive import Archive
from galapagos.archive.clean import clip
from galapagos.orchestrator.cli import app
from tests.conftest import TOY

runner = CliRunner()


def slow_config(tmp_path, iterations=6, delay=0.05):
    p = tmp_path / "c.toml"
    p.write_text(f'[run]\narchive = "a.db"\nname = "p"\n[task]\nname = "{TOY}"\n'
                 f'[task.options]\ndelay = {delay}\n[llm]\nmodel = "fake/deterministic"\n'
                 f'[budget]\nmax_iterations = {iterations}\n')
    return p


def test_a_run_in_a_pipe_prints_a_line_per_iteration_as_it_goes(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "galapagos.orchestrator", "run", "-c",
                             str(slow_config(tmp_path))], stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    running = proc.poll() is None   # the lines came while the run went on
    rest = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0 and running
    assert "seed scored" in first and second.startswith("iteration 1 of 6: #1 ")
    assert "metric calls" in second and "iteration 6 of 6" in rest and "finished:" in rest
    assert "\x1b" not in first + second + rest


def test_jsonl_gives_one_object_per_event(tmp_path):
    res = runner.invoke(app, ["run", "-c", str(slow_config(tmp_path, 3, 0)), "--jsonl"])
    assert res.exit_code == 0, res.output
    events = [json.loads(line) for line in res.output.splitlines()]
    assert events[0]["event"] == "seed" and events[-1]["event"] == "finish"
    its = [e for e in events if e["event"] == "iteration"]
    assert [e["iteration"] for e in its] == [1, 2, 3] and "best_val" in its[0]


def test_runs_and_show_follow_a_running_run(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "galapagos.orchestrator", "run", "-c",
                             str(slow_config(tmp_path, 40, 0.05)), "-q"])
    db = tmp_path / "a.db"
    try:
        deadline = time.time() + 60
        while _count(db, "select count(*) from events where kind = 'iteration'") < 2:
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.05)
        rows = json.loads(runner.invoke(app, ["runs", "-a", str(db), "--json"]).output)
        assert rows[0]["status"] == "running" and rows[0]["iterations"] >= 2
        assert rows[0]["elapsed_s"] > 0 and rows[0]["seed_val"] is not None
        shown = " ".join(runner.invoke(app, ["show", rows[0]["id"], "-a", str(db)]).output.split())
        assert "running time 0.0 s" not in shown and "iterations -" not in shown
    finally:
        proc.kill()
        proc.wait()


def test_a_resumed_run_does_not_show_its_old_failure_while_it_runs(tmp_path):
    from galapagos.orchestrator.runner import _claim

    a = Archive(tmp_path / "a.db")
    a.create_run("r", task="t", task_key="k", seed=0, config={})
    a.update_run("r", status="failed", stop_reason="Infrastructure fault: the engine")
    _claim(a, "r")
    assert a.get_run("r")["status"] == "running" and a.get_run("r")["stop_reason"] is None


def test_show_json_carries_the_best_candidate(tmp_path):
    res = runner.invoke(app, ["run", "-c", str(slow_config(tmp_path, 3, 0)), "-q"])
    db = tmp_path / "a.db"
    run = Archive(db).list_runs()[0]
    facts = json.loads(runner.invoke(app, ["show", run["id"], "-a", str(db), "--json"]).output)
    best = Archive(db).get_candidate(run["best_candidate"])
    assert res.exit_code == 0 and facts["best_candidate"]["id"] == best.id
    assert facts["best_candidate"]["components"] == best.components


def test_a_config_error_does_not_wait_for_the_heavy_imports(tmp_path):
    (tmp_path / "bad.toml").write_text('[task]\nname = "x"\n[budget]\nmax_iterations = -1\n')
    code = ("import sys; from galapagos.orchestrator.cli import main; sys.argv = ['g', 'run',"
            f" '-c', {str(tmp_path / 'bad.toml')!r}]\ntry:\n    main()\nexcept SystemExit:\n"
            "    pass\nprint('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "max_iterations" in out.stderr + out.stdout and out.stdout.strip().endswith("False")


def test_clip_cuts_at_a_word():
    assert clip("does not allow to change the model", 20) == "does not allow to…"
    assert clip("short", 20) == "short" and len(clip("x" * 50, 10)) == 10


def _count(db, sql):
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return c.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_resampled_iteration_says_so_not_rejected_none():
    """Found on the embedded model: CARBS' resamples printed as 'rejected (None)'."""
    from galapagos.archive.events import IterationEnded
    from galapagos.orchestrator.progress import describe_iteration

    line = describe_iteration(IterationEnded("r", 6, "resampled", proposer="carbs",
                                             note="scored abc again")).plain
    assert line == "#6 carbs: resampled (scored abc again)"
