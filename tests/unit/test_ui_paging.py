"""The UI on a big run: tables add their rows a page at a time, the frontier draws a
screen's width of instances, the lineage tree grows as it is opened, and the frontier
summary the loop keeps equals the one computed from the scores."""

import pytest
from textual.widgets import Tree

from galapagos.archive import Archive
from galapagos.ui import GalapagosApp
from galapagos.ui.views import FrontierScreen, LineageScreen
from tests.fixtures.big_archive import build
from tests.unit.test_ui import drive, runs, table

N, M, CALLS = 400, 200, 450


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    db = tmp_path_factory.mktemp("big") / "big.db"
    return db, build(db, N, M, CALLS)


def test_tables_add_rows_a_page_at_a_time(big):
    db, run = big

    async def steps(pilot, app):
        t = table(app, "#iterations")
        assert t.row_count == 100  # the first page of N - 1 iterations
        await pilot.press(*["pagedown"] * 3)
        assert 100 < t.row_count < N - 1  # paging down reads on
        await pilot.press("end")
        assert t.row_count == N - 1 and str(t.get_row_at(N - 2)[0]) == str(N - 1)
        await pilot.press("l")
        t = table(app, "#calls")
        assert t.row_count == 100 and app.screen.sub_title.startswith(f"{CALLS} calls; End")
        await pilot.press("end")
        assert t.row_count == CALLS

    drive(GalapagosApp(db, run), steps)


def test_the_frontier_pages_rows_and_instances(big):
    db, run = big
    a = Archive(db)

    async def steps(pilot, app):
        await pilot.press("f")
        assert isinstance(app.screen, FrontierScreen)
        t = table(app, "#frontier")
        width = 120 - 44  # the screen's width less the other columns
        assert t.row_count == 50 and len(t.get_row_at(0)[4].plain) == width
        assert f"val instances 1-{width} of {M}" in str(list(t.columns.values())[4].label)
        leads = a.frontier_summary(run).leads
        assert int(t.get_row_at(0)[1]) == max(leads.values())
        await pilot.press("right_square_bracket")
        assert f"{width + 1}-{2 * width} of {M}" in str(list(t.columns.values())[4].label)
        assert t.get_row_at(0)[4].plain == "█" * width
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert len(t.get_row_at(0)[4].plain) == M - 2 * width  # the last, shorter window
        await pilot.press("end")
        assert t.row_count == N and sum(int(t.get_row_at(i)[1]) for i in range(N)) == \
            sum(leads.values())

    drive(GalapagosApp(db, run), steps)


def test_the_lineage_tree_grows_as_it_is_opened(big):
    db, run = big

    def nodes(tree):
        out, todo = [], [tree.root]
        while todo:
            node = todo.pop()
            out.append(node)
            todo.extend(node.children)
        return out[1:]

    async def steps(pilot, app):
        await pilot.press("g")
        assert isinstance(app.screen, LineageScreen)
        tree = app.screen.query_one("#lineage", Tree)
        first = nodes(tree)
        assert len(first) < N / 4  # the root's children and the path to the best
        assert f"{N - 1:016x}" in {n.data for n in first}  # the best is in view
        while closed := [n for n in nodes(tree) if n.allow_expand and not n.is_expanded]:
            for node in closed:
                node.expand()
            await pilot.pause()
        assert len(nodes(tree)) == N  # every candidate, once

    drive(GalapagosApp(db, run), steps)


def test_the_loop_keeps_the_frontier_summary(tmp_path):
    db, outs = runs(tmp_path, n=1, iterations=12)
    a, run = Archive(db), outs[0].run_id
    kept = a.frontier_summary(run)
    a.db.execute("delete from frontier_summaries where run_id = ?", [run])
    computed = a.frontier_summary(run)  # from every val score, as for an older run
    assert kept.top == computed.top and kept.leads == computed.leads
    assert kept.means == pytest.approx(computed.means)
    assert len(kept.leads) == len(a.pool(run)) > 1
