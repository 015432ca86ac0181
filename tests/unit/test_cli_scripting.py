"""What scripts use: --json beside the tables, export, and tables that stay readable in
80 columns and in a pipe."""

import io
import json

from rich.console import Console
from typer.testing import CliRunner

from galapagos.archive import Archive
from galapagos.orchestrator.cli import app
from galapagos.orchestrator.report import runs_table
from tests.unit.test_cli import config_file

runner = CliRunner()


def finished_run(tmp_path):
    res = runner.invoke(app, ["run", "-c", str(config_file(tmp_path)), "-q"])
    assert res.exit_code == 0, res.output
    db = tmp_path / "a.db"
    return db, Archive(db).list_runs()[0]["id"]


def test_runs_and_show_as_json_give_the_same_facts(tmp_path):
    db, run_id = finished_run(tmp_path)
    rows = json.loads(runner.invoke(app, ["runs", "-a", str(db), "--json"]).output)
    a = Archive(db)
    splits = a.metric_calls_by_split(run_id)
    assert [r["id"] for r in rows] == [run_id] and rows[0]["status"] == "finished"
    assert rows[0]["search_calls"] == splits["train"] + splits["val"]
    assert rows[0]["test_calls"] == splits["test"] > 0
    facts = json.loads(runner.invoke(app, ["show", run_id, "-a", str(db), "--json"]).output)
    assert facts["metric_calls"] == {"search": rows[0]["search_calls"],
                                     "test": rows[0]["test_calls"]}
    assert facts["summary"]["metric_calls"] == rows[0]["search_calls"]  # what the budget counts
    assert len(facts["iterations"]) == facts["summary"]["iterations"] == 5
    assert {s["purpose"] for s in facts["spend"]} == {"reflect"}
    table = runner.invoke(app, ["show", run_id, "-a", str(db)]).output
    assert f"{rows[0]['search_calls']} by the search, {rows[0]['test_calls']} scoring test" \
        in table


def test_export_writes_components_and_files(tmp_path):
    db, run_id = finished_run(tmp_path)
    res = runner.invoke(app, ["export", run_id, "-a", str(db), "-o", str(tmp_path / "best")])
    assert res.exit_code == 0, res.output
    best = Archive(db).get_candidate(Archive(db).get_run(run_id)["best_candidate"])
    for name, text in best.components.items():
        assert (tmp_path / "best" / f"{name}.txt").read_text() == text
    from galapagos.archive import Candidate

    prog = Candidate({"note": "n"}, files={"pkg/a.py": "x = 1\n", "b.py": "y = 2\n"})
    Archive(db).add_candidate(run_id, prog, iteration=99, role="proposed")
    res = runner.invoke(app, ["export", run_id, "-a", str(db), "--candidate", prog.id[:10],
                              "-o", str(tmp_path / "prog")])
    assert res.exit_code == 0 and (tmp_path / "prog" / "pkg" / "a.py").read_text() == "x = 1\n"
    evil = Candidate({}, files={"../escape.py": "x"})
    Archive(db).add_candidate(run_id, evil, iteration=100, role="proposed")
    res = runner.invoke(app, ["export", run_id, "-a", str(db), "--candidate", evil.id,
                              "-o", str(tmp_path / "evil")])
    assert res.exit_code != 0 and "outside its tree" in str(res.exception)
    assert not (tmp_path / "escape.py").exists()


def test_runs_table_fits_80_columns_with_a_long_task_name(tmp_path):
    db, _ = finished_run(tmp_path)
    buf = io.StringIO()
    Console(file=buf, width=80).print(runs_table(Archive(db)))  # as in a pipe
    lines = buf.getvalue().splitlines()
    assert max(map(len, lines)) <= 80
    row = next(ln for ln in lines if "finished" in ln).split()
    run = Archive(db).run_rows()[0]
    assert row[:6] == [run.id, "finished", "5", "0.000", f"{run.best_val:.3f}",
                       f"{run.best_test:.3f}"]  # nothing cut but the task
    assert len(row[6]) >= 8 and run.task.startswith(row[6].rstrip("…"))  # cut, not wrapped
    wide, width = io.StringIO(), max(100, len(run.task) + 90)  # the checkout's path sets it
    Console(file=wide, width=width).print(runs_table(Archive(db), width))
    assert "created" in wide.getvalue() and run.task in wide.getvalue()
