"""The CLI through typer's runner (in-process) and one real subprocess."""

import subprocess
import sys

from typer.testing import CliRunner

from galapagos.orchestrator.cli import app
from tests.conftest import TOY

runner = CliRunner()


def config_file(tmp_path, extra=""):
    p = tmp_path / "c.toml"
    p.write_text(f'[run]\narchive = "a.db"\n[task]\nname = "{TOY}"\n[llm]\n'
                 f'model = "fake/deterministic"\n[budget]\nmax_iterations = 5\n{extra}')
    return p


def test_help_explains_every_command_and_option():
    out = runner.invoke(app, ["--help"]).output
    for cmd in ("run", "resume", "runs", "show", "stop", "tasks"):
        assert cmd in out
    run_help = runner.invoke(app, ["run", "--help"]).output
    for opt in ("--config", "--set", "--max-iterations", "--archive", "--quiet"):
        assert opt in run_help


def test_run_runs_show_resume(tmp_path):
    cfg = config_file(tmp_path)
    res = runner.invoke(app, ["run", "-c", str(cfg), "--quiet"])
    assert res.exit_code == 0, res.output
    import re

    assert re.search(r"│ status +│ finished +│", res.output), res.output  # not "unfinished"
    assert re.search(r"│ stop reason +│ budget: iterations \(5 of 5\) +│", res.output)
    assert "Scores: val beside test" in res.output
    db = str(tmp_path / "a.db")
    listing = runner.invoke(app, ["runs", "-a", db])
    assert listing.exit_code == 0 and "finished" in listing.output
    from galapagos.archive import Archive

    run_id = Archive(db).list_runs()[0]["id"]
    shown = runner.invoke(app, ["show", run_id, "-a", db])
    assert "Score history" in shown.output and "best candidate" in shown.output
    more = runner.invoke(app, ["resume", run_id, "-a", db, "--max-iterations", "8", "-q"])
    assert more.exit_code == 0 and "iterations (8 of 8)" in more.output


def test_tasks_lists_the_builtin():
    res = runner.invoke(app, ["tasks"])
    assert "sentiment" in res.output and "galapagos.tasks.sentiment:create" in res.output


def test_errors_are_one_paragraph_without_traceback(tmp_path):
    cfg = config_file(tmp_path, "[loop]\nminibatch_size = -2\n")
    proc = subprocess.run([sys.executable, "-m", "galapagos.orchestrator", "run", "-c",
                           str(cfg)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "[loop.minibatch_size]" in proc.stderr and "greater than 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    debug = subprocess.run([sys.executable, "-m", "galapagos.orchestrator", "--debug", "run",
                            "-c", str(cfg)], capture_output=True, text=True)
    assert "Traceback" in debug.stderr


def test_missing_archive_and_unknown_run(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "galapagos.orchestrator", "show", "x", "-a",
                           str(tmp_path / "none.db")], capture_output=True, text=True)
    assert proc.returncode == 2 and "No archive at" in proc.stderr


def test_stop_command_writes_the_stop_file(tmp_path):
    cfg = config_file(tmp_path)
    runner.invoke(app, ["run", "-c", str(cfg), "-q"])
    from galapagos.archive import Archive

    db = tmp_path / "a.db"
    run_id = Archive(db).list_runs()[0]["id"]
    res = runner.invoke(app, ["stop", run_id, "-a", str(db)])
    assert res.exit_code == 0 and (tmp_path / f"stop-{run_id}").exists()


def test_unexpected_errors_are_one_paragraph_too(tmp_path):
    from tests.conftest import ROOT

    bug = tmp_path / "bug.py"
    bug.write_text("from tests.fixtures.toy_task import ToyTask\n"
                   "class Bug(ToyTask):\n"
                   "    def seed_candidate(self):\n"
                   "        raise ZeroDivisionError('oops')\n"
                   "def create(ctx):\n    return Bug()\n")
    cfg = config_file(tmp_path).read_text().replace(TOY, f"{bug}:create")
    (tmp_path / "c.toml").write_text(cfg)
    proc = subprocess.run([sys.executable, "-m", "galapagos.orchestrator", "run", "-c",
                           str(tmp_path / "c.toml"), "-q"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Unexpected error: ZeroDivisionError: oops" in proc.stderr
    assert "--debug" in proc.stderr
