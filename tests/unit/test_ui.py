"""The terminal UI driven as a person would, with Textual's Pilot, on archives made by
real (fake-LLM) runs: every screen and key, a run followed live while another thread
writes it, an empty archive and an archive made by the previous main."""

import asyncio
import shutil
import threading
import time

from textual.widgets import DataTable, Static

from galapagos.archive import Archive
from galapagos.orchestrator.runner import start_run
from galapagos.ui import GalapagosApp
from galapagos.ui.detail import CallsScreen, CandidateScreen
from galapagos.ui.screens import RunScreen, RunsScreen
from galapagos.ui.views import FrontierScreen, LineageScreen
from tests.conftest import ROOT, toy_config


def runs(tmp_path, n=2, iterations=6):
    outs = [start_run(toy_config(tmp_path, run={"name": f"r{i}"},
                                 budget={"max_iterations": iterations})) for i in range(n)]
    return tmp_path / "archive.db", outs


def drive(app, steps):
    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await steps(pilot, app)
    asyncio.run(main())


def table(app, sel):
    return app.screen.query_one(sel, DataTable)


def test_runs_list_filters_and_opens_a_run(tmp_path):
    db, outs = runs(tmp_path)

    async def steps(pilot, app):
        assert isinstance(app.screen, RunsScreen) and table(app, "#runs").row_count == 2
        await pilot.press("slash", *outs[1].run_id)
        assert table(app, "#runs").row_count == 1
        await pilot.press("escape")
        assert table(app, "#runs").row_count == 2
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen)

    drive(GalapagosApp(db), steps)


def test_run_candidate_and_calls_screens(tmp_path):
    db, outs = runs(tmp_path, n=1)
    out, a = outs[0], Archive(db)

    async def steps(pilot, app):
        assert isinstance(app.screen, RunScreen)
        assert table(app, "#iterations").row_count == 6
        summary = str(app.screen.query_one("#summary", Static).render())
        assert out.run_id in summary and "metric calls" in summary
        await pilot.press("b")
        assert isinstance(app.screen, CandidateScreen)
        best = a.get_candidate(out.summary["best"])
        assert table(app, "#left").row_count == len(best.view())
        await pilot.press("v")
        assert "val mean" in str(app.screen.query_one("#detail", Static).render())
        await pilot.press("d")
        await pilot.press("escape", "l")
        assert isinstance(app.screen, CallsScreen)
        assert table(app, "#calls").row_count == len(a.llm_calls(out.run_id)) > 0
        await pilot.press("down")
        assert "prompt" in str(app.screen.query_one("#call", Static).render())
        await pilot.press("escape", "s")
        assert a.stop_file(out.run_id).exists()
        await pilot.press("question_mark", "t", "escape")
        assert isinstance(app.screen, RunsScreen)

    drive(GalapagosApp(db, outs[0].run_id[:8]), steps)


def test_a_run_being_written_is_followed_live(tmp_path):
    cfg = toy_config(tmp_path, task={"options": {"delay": 0.02}},
                     budget={"max_iterations": 40})
    worker = threading.Thread(target=start_run, args=(cfg,), daemon=True)
    worker.start()
    db = tmp_path / "archive.db"
    deadline = time.time() + 30
    while time.time() < deadline and not (db.exists() and Archive(db).list_runs()):
        time.sleep(0.05)
    run_id = Archive(db).list_runs()[0]["id"]

    async def steps(pilot, app):
        await pilot.pause(1.0)
        first = table(app, "#iterations").row_count
        await pilot.pause(2.0)
        assert table(app, "#iterations").row_count > first  # the numbers move

    drive(GalapagosApp(db, run_id, poll_s=0.2), steps)
    worker.join(60)


def test_empty_and_previous_main_archives_open(tmp_path):
    async def empty(pilot, app):
        assert table(app, "#runs").row_count == 0
        await pilot.press("enter", "slash", "x", "escape")  # nothing to open: no crash

    drive(GalapagosApp(tmp_path / "empty.db"), empty)
    async def previous(pilot, app):
        assert table(app, "#runs").row_count == 1
        await pilot.press("enter")
        assert table(app, "#iterations").row_count > 0
        await pilot.press("b")
        assert isinstance(app.screen, CandidateScreen)

    for name in ("main-8e02c45.db", "main-797094a.db"):  # before and after typed events
        old = tmp_path / name
        shutil.copy(ROOT / "tests" / "fixtures" / "archives" / name, old)
        drive(GalapagosApp(old), previous)


def test_lineage_and_frontier_screens(tmp_path):
    db, outs = runs(tmp_path, n=1, iterations=12)
    out, a = outs[0], Archive(db)

    async def steps(pilot, app):
        await pilot.press("g")
        assert isinstance(app.screen, LineageScreen)
        await pilot.pause(0.5)
        tree = app.screen.query_one("#lineage")
        labels = []

        def walk(node):
            labels.append(str(node.label))
            for child in node.children:
                walk(child)
        walk(tree.root)
        assert len(labels) - 1 == len(a.run_candidates(out.run_id))
        assert str(tree.root.children[0].label).startswith(out.summary["seed"][:10])
        await pilot.press("down", "enter")
        assert isinstance(app.screen, CandidateScreen)
        await pilot.press("escape", "escape", "f")
        assert isinstance(app.screen, FrontierScreen)
        t = table(app, "#frontier")
        assert t.row_count == len(a.pool(out.run_id)) and len(t.columns) == 5
        assert len(t.get_row_at(0)[4].plain) == 12  # one block per val instance
        top = t.get_row_at(0)
        assert int(top[1]) == max(int(t.get_row_at(i)[1]) for i in range(t.row_count))
        picks = sum(int(t.get_row_at(i)[2]) for i in range(t.row_count))
        assert picks == 12  # every iteration picked one parent from the pool

    drive(GalapagosApp(db, out.run_id), steps)


def test_runs_sort_by_columns(tmp_path):
    db, outs = runs(tmp_path, n=3, iterations=3)

    async def steps(pilot, app):
        t = table(app, "#runs")
        assert len(t.columns) == 11
        await pilot.press("o")  # by run id
        ids = [str(t.get_row_at(i)[0]) for i in range(3)]
        assert ids == sorted(o.run_id for o in outs)
        await pilot.press("o", "o", "o", "o")  # status, val, test, search calls
        calls = [int(str(t.get_row_at(i)[6])) for i in range(3)]
        assert calls == sorted(calls, reverse=True)

    drive(GalapagosApp(db), steps)


def test_the_diff_key_cycles_through_a_merges_parents(tmp_path):
    from galapagos.archive import Candidate

    db, outs = runs(tmp_path, n=1, iterations=1)
    a, run_id = Archive(db), outs[0].run_id
    p1, p2 = Candidate({"x": "one\n", "y": "a\n"}), Candidate({"x": "zero\n", "y": "two\n"})
    child = Candidate({"x": "one\n", "y": "two\n"}, (p1.id, p2.id), "merge")
    for i, c in enumerate((p1, p2, child)):
        a.add_candidate(run_id, c, iteration=10 + i, role="accepted")

    async def steps(pilot, app):
        app.push_screen(CandidateScreen(run_id, child.id))
        await pilot.pause()
        await pilot.press("d")
        assert p1.id[:16] in app.screen.sub_title
        assert "+two" in app.screen.shown and "x" not in app.screen.shown.split("+++")[0]
        await pilot.press("d")
        assert p2.id[:16] in app.screen.sub_title
        assert "+one" in app.screen.shown

    drive(GalapagosApp(db), steps)


def test_searching_the_calls_shows_a_match_and_says_when_none(tmp_path):
    """`l`, `/`, a word that occurs, Enter: the rows are replaced while a highlight is on
    its way (it crashed with RowDoesNotExist); the preview follows the search."""
    db, outs = runs(tmp_path, n=1, iterations=3)

    async def steps(pilot, app):
        await pilot.press("l")
        assert isinstance(app.screen, CallsScreen)
        await pilot.press("down", "slash", *"Revision", "enter")
        await pilot.pause()
        assert table(app, "#calls").row_count > 0
        preview = str(app.screen.query_one("#call", Static).render())
        assert "Revision" in preview and "answer" in preview
        await pilot.press("slash", *"zzz-nowhere", "enter")
        await pilot.pause()
        assert table(app, "#calls").row_count == 0
        assert "no call matches" in str(app.screen.query_one("#call", Static).render())

    drive(GalapagosApp(db, outs[0].run_id), steps)


def test_write_says_where_first_then_what_it_skipped(tmp_path, monkeypatch):
    """`w` crashed on names with NUL, '.', clashes, and said 'written' when it skipped."""
    from galapagos.archive import Candidate
    from tests.unit.test_cli_scripting import HOSTILE_NAMES

    db, outs = runs(tmp_path, n=1, iterations=1)
    cand = Candidate({}, files=HOSTILE_NAMES)
    Archive(db).add_candidate(outs[0].run_id, cand, iteration=9, role="proposed")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / f"galapagos-{cand.id[:12]}"

    async def steps(pilot, app):
        app.push_screen(CandidateScreen(outs[0].run_id, cand.id))
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert f"to {folder}? Press w again" in notes[-1] and not folder.exists()
        await pilot.press("w")
        await pilot.pause()
        last = [n for n in app._notifications][-1]
        assert "Wrote 3 file(s)" in last.message and last.message.count("skipped") == 10
        assert last.severity == "warning"

    drive(GalapagosApp(db, outs[0].run_id), steps)
    assert (folder / "ok.py").read_text() == "fine"
