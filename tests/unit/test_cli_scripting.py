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
    assert res.exit_code == 0 and "skipped '../escape.py': the path climbs out" in res.output
    assert not (tmp_path / "escape.py").exists()
    assert f"candidate {evil.id} to" in res.output  # the full id, not the prefix typed


HOSTILE_NAMES = {"ok.py": "fine", "a\x00b.py": "nul", "": "empty", ".": "dot",
                 "x" * 300 + ".py": "long part", "/".join(["d" * 200] * 25): "long path",
                 "clash": "a file", "clash/inner.py": "needs clash as a folder",
                 "dir/": "a folder", "/abs.py": "absolute", "sub/../../up.py": "climbs",
                 "sub/./same.py": "one", "sub/same.py": "two"}


def test_export_checks_every_name_first_and_says_what_it_skipped(tmp_path):
    """NUL, empty, '.', over-long names and file/folder clashes used to end in 'Unexpected
    error' after part of the candidate was written."""
    from galapagos.archive import Candidate

    db, run_id = finished_run(tmp_path)
    cand = Candidate({}, files=HOSTILE_NAMES)
    Archive(db).add_candidate(run_id, cand, iteration=99, role="proposed")
    out = tmp_path / "out"
    res = runner.invoke(app, ["export", run_id, "-a", str(db), "--candidate", cand.id,
                              "-o", str(out)])
    assert res.exit_code == 0 and res.exception is None, res.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["clash/inner.py", "ok.py", "sub/same.py"]
    assert (out / "sub" / "same.py").read_text() in ("one", "two")
    said = " ".join(res.output.split())
    assert "Wrote 3 file(s)" in said and said.count("skipped") == 10
    for why in ("NUL byte", "empty", "a folder, not a file", "bytes long", "absolute",
                "climbs out", "another name already stands for sub/same.py",
                "needs this path as a folder"):
        assert why in said, why
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_export_into_a_folder_with_something_in_the_way(tmp_path):
    """An existing folder keeps its other files; a folder where a file goes (or a link
    where a folder goes) is reported, not replaced or followed."""
    from galapagos.archive.export import write_candidate

    out = tmp_path / "out"
    (out / "a.py").mkdir(parents=True)
    (out / "keep.txt").write_text("mine")
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to(tmp_path / "elsewhere")
    report = write_candidate({"a.py": "x", "b.py": "y", "link/c.py": "z"}, out, force=True)
    assert [p.name for p in report.written] == ["b.py"]
    assert {n for n, _ in report.skipped} == {"a.py", "link/c.py"}
    assert (out / "keep.txt").read_text() == "mine" and (out / "b.py").read_text() == "y"
    assert list((tmp_path / "elsewhere").iterdir()) == []


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
