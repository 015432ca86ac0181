import sqlite3
from pathlib import Path

import pytest

from galapagos.archive import Archive, BestImproved, Candidate, Evaluation, candidate_id
from galapagos.archive.migrations import MIGRATIONS
from galapagos.errors import ArchiveError, RunNotFound


def test_migrations_from_blank_db(tmp_path):
    path = tmp_path / "blank.db"
    a = Archive(path)
    tables = set(a.db.table_names())
    assert {"runs", "candidates", "run_candidates", "evaluations", "llm_calls", "events",
            "_migrations"} <= tables
    assert [r["name"] for r in a.db["_migrations"].rows] == [m.__name__ for m in MIGRATIONS]
    assert a.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    a.close()
    again = Archive(path)  # reopening applies nothing twice
    assert again.db["_migrations"].count == len(MIGRATIONS)


def test_archive_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "a.db"
    Archive(path).db["_migrations"].insert({"name": "m999_future", "applied_at": "x"})
    with pytest.raises(ArchiveError, match="newer Galápagos"):
        Archive(path)


def test_not_a_database_gives_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="Cannot open the archive"):
        Archive(path)


def test_candidate_id_is_content_address():
    a = candidate_id({"x": "1", "y": "2"})
    assert a == candidate_id({"y": "2", "x": "1"})
    assert a != candidate_id({"x": "1", "y": "3"})
    assert Candidate({"x": "1", "y": "2"}, ("p",), "demos").id == a


def test_evaluations_are_recorded_once(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    c = Candidate({"a": "b"})
    archive.add_candidate("r", c, iteration=0, role="seed")
    ev = Evaluation(c.id, "i1", "val", 0.5, objectives={"tokens": 3})
    archive.record_evaluation("r", "k", ev)
    archive.record_evaluation("r", "k", Evaluation(c.id, "i1", "val", 0.9))
    got = archive.cached_evaluations("k", c.id, ["i1", "i2"], "val")
    assert list(got) == ["i1"] and got["i1"].score == 0.5 and got["i1"].objectives == {"tokens": 3}
    assert archive.metric_calls("r") == 1


def test_lineage_and_pool(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    s = Candidate({"a": "0"})
    c1 = Candidate({"a": "1"}, (s.id,), "demos")
    c2 = Candidate({"a": "2"}, (c1.id,), "demos")
    for i, (c, role) in enumerate([(s, "seed"), (c1, "accepted"), (c2, "proposed")]):
        archive.add_candidate("r", c, iteration=i, role=role)
    assert archive.lineage(c2.id) == [c1.id, s.id]
    assert archive.lineage(s.id) == []
    assert archive.pool("r") == [s.id, c1.id]
    archive.add_candidate("r", c1, iteration=1, role="proposed")  # never demotes
    assert archive.pool("r") == [s.id, c1.id]


def test_events_are_idempotent_by_key(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    assert archive.emit(BestImproved("r", 1, "c1", 0.5), "it:1")
    assert not archive.emit(BestImproved("r", 1, "c2", 0.7), "it:1")
    assert [e["data"] for e in archive.events("r")] == [{"candidate": "c1", "val": 0.5}]


def test_run_lookup_by_prefix_and_missing(archive):
    archive.create_run("demo-abc", task="t", task_key="k", seed=0, config={"a": 1})
    assert archive.get_run("demo-a")["config"] == {"a": 1}
    with pytest.raises(RunNotFound, match="galapagos runs"):
        archive.get_run("zzz")


def test_wal_survives_second_connection(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    other = sqlite3.connect(archive.path)
    assert other.execute("select count(*) from runs").fetchone()[0] == 1


def test_frontier_query_matches_the_in_memory_frontier(archive):
    from galapagos.archive import Frontier

    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    scores = {"a": {"1": 1.0, "2": 0.0}, "b": {"1": 1.0, "2": 0.5}, "c": {"1": 0.0, "2": 0.5}}
    for i, (name, per) in enumerate(scores.items()):
        cand = Candidate({"x": name})
        archive.add_candidate("r", cand, iteration=i, role="accepted")
        for iid, sc in per.items():
            archive.record_evaluation("r", "k", Evaluation(cand.id, iid, "val", sc))
    ids = {Candidate({"x": n}).id: n for n in scores}
    sql = {i: (top, sorted(ids[c] for c in cs)) for i, (top, cs) in
           archive.frontier("r", "k").items()}
    mem = Frontier.from_scores({Candidate({"x": n}).id: s for n, s in scores.items()})
    assert sql == {"1": (1.0, ["a", "b"]), "2": (0.5, ["b", "c"])}
    assert {i: sorted(ids[c] for c in f) for i, f in mem.fronts.items()} == \
        {i: v[1] for i, v in sql.items()}


def test_upgrade_from_version_one_keeps_data(tmp_path):
    import sqlite_utils

    from galapagos.archive.migrations import apply_migrations, m001_initial

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    m001_initial(db)
    db["_migrations"].insert({"name": "m001_initial", "applied_at": "then"})
    db["runs"].insert({"id": "old-run", "status": "finished", "task": "t"})
    db.conn.close()
    a = Archive(path)
    assert "owner" in a.db["runs"].columns_dict
    assert a.get_run("old-run")["status"] == "finished"
    assert apply_migrations(a.db) == []


def test_a_live_run_cannot_be_driven_twice(tmp_path):
    import subprocess
    import sys

    from galapagos.errors import ArchiveError
    from galapagos.orchestrator.runner import _claim
    from galapagos.sandbox.reaper import owner_label

    a = Archive(tmp_path / "a.db")
    a.create_run("r", task="t", task_key="k", seed=0, config={})
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        a.db.execute("update runs set status='running', owner=? where id='r'",
                     [owner_label(other.pid)])
        a.db.conn.commit()
        with pytest.raises(ArchiveError, match="driven by another process"):
            _claim(a, "r")
        from galapagos.orchestrator.runner import resume_run

        before = a.get_run("r")["config"]
        with pytest.raises(ArchiveError, match="driven by another process"):
            resume_run(a.path, "r", {"budget.max_iterations": 99})
        assert a.get_run("r")["config"] == before  # refused before writing anything
    finally:
        other.kill()
        other.wait()
    _claim(a, "r")  # its driver is gone (killed): taking over is fine
    assert a.get_run("r")["owner"] == owner_label()


def test_an_archive_made_by_the_previous_main_opens_and_resumes(tmp_path, monkeypatch):
    """tests/fixtures/archives/main-8e02c45.db was written by a real run of main at commit
    8e02c45 (migrations m001, m002): it upgrades, keeps every row, and its run resumes."""
    import shutil
    from pathlib import Path

    from galapagos.orchestrator.runner import resume_run

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "old.db"
    shutil.copy(root / "tests" / "fixtures" / "archives" / "main-8e02c45.db", path)
    tables = ("runs", "candidates", "run_candidates", "evaluations", "llm_calls", "events")
    with sqlite3.connect(path) as raw:
        cols = {t: ", ".join(r[1] for r in raw.execute(f"pragma table_info({t})"))
                for t in tables}  # later migrations may add columns, never change these
        before = {t: raw.execute(f"select {cols[t]} from {t} order by 1").fetchall()
                  for t in tables}
        assert [r[0] for r in raw.execute("select name from _migrations")] == [
            "m001_initial", "m002_run_owner"]
    a = Archive(path)
    assert [r["name"] for r in a.db["_migrations"].rows] == [m.__name__ for m in MIGRATIONS]
    assert {t: a.db.execute(f"select {cols[t]} from {t} order by 1").fetchall()
            for t in tables} == before
    run = a.list_runs()[0]
    a.close()
    monkeypatch.chdir(root)  # the run's task path is relative to the repository
    out = resume_run(path, run["id"], {"budget.max_iterations": 9})
    assert out.status == "finished" and out.summary["iterations"] == 9
    kept = Archive(path).db.execute("select count(*) from evaluations").fetchone()[0]
    assert kept > len(before["evaluations"])  # it went on from where the old main stopped


def program(n=50, seed="v0"):
    return {f"pkg/mod{i:02d}.py": f"# module {i}\nVALUE = {i}\n" + "x = 1\n" * 40
            for i in range(n)} | {"main.py": f"print('{seed}')\n"}


def test_file_tree_candidates_round_trip_with_stable_ids(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    files = program(3)
    cand = Candidate({"instruction": "be brief"}, files=files)
    assert cand.id == Candidate({"instruction": "be brief"}, files=dict(files)).id
    assert cand.id != Candidate({"instruction": "be brief"}).id
    assert Candidate({"a": "x"}).id == candidate_id({"a": "x"})  # prompts keep their ids
    archive.add_candidate("r", cand, iteration=0, role="seed")
    back = archive.get_candidate(cand.id)
    assert back.files == files and back.components == {"instruction": "be brief"}
    assert back.view() == {"instruction": "be brief", **files} and back.id == cand.id


def test_each_distinct_file_is_stored_once(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    seed = Candidate({}, files=program())
    archive.add_candidate("r", seed, iteration=0, role="seed")
    base = archive.db["blobs"].count
    assert base == 51 + 1  # 51 files and one tree
    for i in range(200):
        files = {**seed.files, f"pkg/mod{i % 50:02d}.py": f"VALUE = {i}  # child\n"}
        archive.add_candidate("r", Candidate({}, (seed.id,), "edit", files=files),
                              iteration=i + 1, role="proposed")
    assert archive.db["blobs"].count == base + 200 * 2  # per child: the new file, a tree


def test_diff_against_the_parent_per_file(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    parent = Candidate({"p": "same"}, files={"a.py": "x = 1\ny = 2\n", "b.py": "keep\n"})
    child = Candidate({"p": "same"}, (parent.id,), "edit",
                      files={"a.py": "x = 1\ny = 3\n", "b.py": "keep\n", "c.py": "new\n"})
    for i, c in enumerate((parent, child)):
        archive.add_candidate("r", c, iteration=i, role="accepted")
    d = archive.diff(child.id)
    assert sorted(d) == ["a.py", "c.py"]
    assert d["a.py"].splitlines() == ["--- a/a.py", "+++ b/a.py", "@@ -1,2 +1,2 @@", " x = 1",
                                      "-y = 2", "+y = 3"]
    assert d["c.py"].startswith("--- /dev/null\n+++ b/c.py\n")
    assert archive.diff(parent.id)["a.py"].startswith("--- /dev/null")  # a seed: all new


def _open_archive(path, results):
    try:
        Archive(path).list_runs()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(repr(exc)[:300])


def test_processes_opening_a_new_archive_at_once_all_succeed(tmp_path):
    """A run and the UI (or two runs) creating the same archive: each migration once."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for k in range(6):
        results = ctx.Queue()
        procs = [ctx.Process(target=_open_archive, args=(tmp_path / f"a{k}.db", results))
                 for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        outcomes = [results.get(timeout=5) for _ in procs]
        assert outcomes == ["ok"] * 4, outcomes
        names = [r["name"] for r in Archive(tmp_path / f"a{k}.db").db["_migrations"].rows]
        assert names == [m.__name__ for m in MIGRATIONS]


def immutable(*paths, on=True):
    import subprocess

    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True)


def test_read_commands_work_on_a_read_only_archive(tmp_path):
    """An immutable archive (as on a read-only mount; root ignores mode bits) with no WAL
    files beside it: runs, show, export and the UI's reads work; a run says why not."""
    from typer.testing import CliRunner

    from galapagos.orchestrator.cli import app
    from galapagos.orchestrator.runner import start_run
    from tests.conftest import toy_config

    folder = tmp_path / "ro"
    out = start_run(toy_config(folder, budget={"max_iterations": 2}))
    db = Path(out.archive)
    sqlite3.connect(db).execute("pragma wal_checkpoint(TRUNCATE)").close()
    for side in ("-wal", "-shm"):  # as copied onto read-only media: the database alone
        Path(f"{db}{side}").unlink(missing_ok=True)
    immutable(db, folder)
    try:
        a = Archive.for_reading(db)
        assert a.readonly and a.get_run(out.run_id)["status"] == "finished"
        runner = CliRunner()
        for args in (["runs"], ["show", out.run_id], ["show", out.run_id, "--json"],
                     ["export", out.run_id, "-o", str(tmp_path / "x")]):
            res = runner.invoke(app, [*args, "-a", str(db)])
            assert res.exit_code == 0 and res.exception is None, (args, res.output)
        with pytest.raises(ArchiveError, match="read-only|cannot be written|Cannot open"):
            Archive(db)
    finally:
        immutable(db, folder, on=False)


def test_a_full_disk_is_an_archive_error_that_says_so(tmp_path, monkeypatch):
    """SQLite's 'database or disk is full' (max_page_count stands in for the disk) is an
    ArchiveError naming the archive and what to do, not an unexpected OperationalError."""
    from galapagos.archive import store

    a = Archive(tmp_path / "a.db")
    a.create_run("r", task="t", task_key="k", seed=0, config={})
    pages = a.db.execute("pragma page_count").fetchone()[0]
    a.db.execute(f"pragma max_page_count = {pages + 2}")
    with pytest.raises(ArchiveError, match="disk holding the archive .* is full.*resume"):
        for n in range(100):
            a.record_evaluation("r", "k", Evaluation("c", f"i{n}", "val", 0.0, "x" * 50_000))
    assert store.archive_fault(OSError(28, "No space left"), Path("p")).args[0].startswith(
        "The disk holding")
