"""The UI explains itself (issue 20.8): charts on a fixed scale with axes, the budget's
progress in the run's header, the keys as a person types them, a best key that says when
the seed is still best, the calls' "for" column and a candidate's scores at a glance, and
an 80×24 terminal that fits it all."""

import asyncio

from textual.widgets import DataTable, Footer, Static

from galapagos.archive import Archive
from galapagos.orchestrator.runner import start_run
from galapagos.ui import GalapagosApp
from galapagos.ui.chart import Chart, draw
from galapagos.ui.detail import CallsScreen, CandidateScreen
from galapagos.ui.screens import RunScreen
from tests.conftest import toy_config


def drive(app, steps, size=(120, 40)):
    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await steps(pilot, app)
    asyncio.run(main())


def one_run(tmp_path, iterations=6):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": iterations}))
    return tmp_path / "archive.db", out


def plot_rows(text, height):
    return [line.split("┤", 1)[1] for line in text.plain.splitlines()[:height]]


def notices(app):
    return [n.message for n in app._notifications]


def test_a_constant_zero_is_an_empty_chart_and_a_half_fills_half():
    zero = plot_rows(draw([(0, 0.0), (5, 0.0)], 30, 4, "t"), 4)
    half = plot_rows(draw([(0, 0.5), (5, 0.5)], 30, 4, "t"), 4)
    assert all(not row.strip() for row in zero)
    assert [set(row) for row in half] == [{" "}, {" "}, {"█"}, {"█"}]


def test_the_chart_has_a_y_scale_and_an_x_range_with_its_title():
    text = draw([(0, 0.2), (12, 0.7)], 40, 4, "by iteration").plain.splitlines()
    assert text[0].startswith("1.00┤") and text[3].startswith("0.00┤")
    assert text[4].lstrip().startswith("└0") and text[4].endswith("12")
    assert "by iteration" in text[4]
    widened = draw([(0, 0.0), (1, 1.5)], 40, 4, "t").plain.splitlines()
    assert widened[0].startswith("1.50┤")  # a value above 1 widens the scale


def test_the_run_header_shows_the_budget_progress_and_the_charts_their_data(tmp_path):
    db, out = one_run(tmp_path)

    async def steps(pilot, app):
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "iterations 6 of 6 (100%)" in summary and "running" in summary
        assert "test " in summary
        trend = app.screen.query_one("#trend", Chart)
        assert [x for x, _ in trend.points] == [float(i) for i in range(7)]

    drive(GalapagosApp(db, out.run_id), steps)


def test_help_lists_keys_as_typed_and_the_hidden_ones(tmp_path):
    db, out = one_run(tmp_path, iterations=2)

    async def steps(pilot, app):
        await pilot.press("question_mark")
        await pilot.pause()
        shown = "\n".join(notices(app))
        assert "question_mark" not in shown and "escape" not in shown
        for line in ("?  keys", "esc  back", "b  best", "s  stop"):
            assert line in shown
        assert "⏎  open" in shown  # a hidden key of the screen, not the focused table's

    drive(GalapagosApp(db, out.run_id), steps)


def test_best_says_when_no_child_has_beaten_the_seed(tmp_path):
    db, out = one_run(tmp_path, iterations=0)
    seed = Archive(db).get_run(out.run_id)["seed_candidate"]

    async def steps(pilot, app):
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, CandidateScreen) and app.screen.cid == seed
        assert any("No child has beaten the seed" in m for m in notices(app))

    drive(GalapagosApp(db, out.run_id), steps)


def test_a_candidate_shows_its_split_means_and_the_calls_say_whom_they_served(tmp_path):
    db, out = one_run(tmp_path)
    a = Archive(db)
    best = out.summary["best"]
    task_key = a.get_run(out.run_id)["task_key"]
    means = a.split_means(task_key, best)

    async def steps(pilot, app):
        await pilot.press("b")
        scores = str(app.screen.query_one("#scores", Static).render())
        assert f"val {means['val'][0]:.3f} over {means['val'][1]}" in scores
        assert "test " in scores
        await pilot.press("escape", "l")
        assert isinstance(app.screen, CallsScreen)
        calls = app.screen.query_one("#calls", DataTable)
        labels = [str(c.label) for c in calls.columns.values()]
        assert labels[:3] == ["#", "purpose", "for"]
        served = {str(calls.get_row_at(i)[2]) for i in range(calls.row_count)}
        assert "iteration 1" in served and len(served & {f"iteration {i}" for i in range(7)}) >= 3

    drive(GalapagosApp(db, out.run_id), steps)


def test_an_80_by_24_terminal_fits_the_run_screen(tmp_path):
    db, out = one_run(tmp_path)

    async def steps(pilot, app):
        assert isinstance(app.screen, RunScreen)
        for chart in app.screen.query(Chart):
            assert chart.size.height == 4 and chart.size.width >= 30
        table = app.screen.query_one("#iterations", DataTable)
        assert table.size.height >= 5  # rows still visible under the header and charts
        footer = app.screen.query_one(Footer)
        keys = " ".join(str(k.render()) for k in footer.query("FooterKey"))
        assert "keys" in keys and "stop" in keys

    drive(GalapagosApp(db, out.run_id), steps, size=(80, 24))
