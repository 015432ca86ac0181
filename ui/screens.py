"""The runs list and a run's dashboard (followed live by polling the WAL archive)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from galapagos.archive import BestImproved, IterationEnded, RunProgress
from galapagos.archive.clean import cell, clip, printable, styled
from galapagos.ui.chart import Chart, Point
from galapagos.ui.paged import PagedTable


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def best_by(records: list[IterationEnded], seed: float, x: str) -> list[Point]:
    """Best val after each iteration against ``x`` (the iteration, or the metric calls spent
    by then), from the seed's score at 0."""
    return [(0.0, seed)] + [
        (float(r.iteration if x == "iteration" else r.metric_calls), r.best_val)
        for r in records]


def progress_line(p: RunProgress) -> str:
    near, eta = p.nearest, p.eta_s
    budget = (f"{near} ({near.fraction:.0%})" if near else "no limit set")
    left = f", about {duration(eta)} left" if eta is not None else ""
    return f"{budget} · {duration(p.elapsed_s)} running{left}"


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


SORTS = ("run", "status", "val", "test", "search calls", "spend", "time")


def _number(text: str) -> float:
    try:
        return float(text.strip("$ s"))
    except ValueError:
        return float("-inf")


def _iteration_row(r: IterationEnded) -> tuple[Any, ...]:
    return tuple(cell(v) for v in (
        r.iteration, r.proposer, r.outcome, r.minibatch, fmt(r.val), fmt(r.best_val),
        r.metric_calls, clip(r.why, 80)))


class RunsScreen(Screen[None]):
    BINDINGS = [Binding("enter", "open", "open run"), Binding("slash", "search", "search"),
                Binding("o", "sort", "sort"), Binding("r", "reload", "reload"),
                Binding("escape", "clear", "clear search")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter runs by id, task or status", id="filter")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)  # ^p is listed by ?

    def on_mount(self) -> None:
        t = self.query_one("#runs", DataTable)
        for name in ("run", "status", "iters", "seed", "val", "test", "search calls", "spend",
                     "time", "task", "stop reason"):
            t.add_column(name, key=name)
        self.shown: list[tuple[str, ...]] = []
        self.sort_by = -1
        self.action_reload()
        t.focus()
        self.set_interval(self.app.poll_s, self.action_reload)  # type: ignore[attr-defined]

    def action_reload(self) -> None:
        """Rebuild the table only when what it shows changed (the cursor stays put)."""
        needle = self.query_one("#filter", Input).value.lower()
        rows = [(r.id, r.status, str(r.iterations or "-"), fmt(r.seed_val), fmt(r.best_val),
                 fmt(r.best_test), str(r.search_calls), f"${r.llm_usd:.4f}",
                 "-" if r.elapsed_s is None else f"{r.elapsed_s:.0f} s", r.task,
                 clip(r.stop_reason or "-", 60))
                for r in self.app.archive.run_rows()  # type: ignore[attr-defined]
                if needle in f"{r.id} {r.task} {r.status}".lower()]
        if rows == self.shown:
            return
        t = self.query_one("#runs", DataTable)
        row = t.cursor_row
        t.clear()
        for values in rows:  # shown as data; the key is the run's own id
            t.add_row(*map(cell, values), key=values[0])
        t.move_cursor(row=min(row, max(len(rows) - 1, 0)))
        self.shown = rows

    def action_sort(self) -> None:
        """Cycle the sort column (numbers high first)."""
        self.sort_by = (self.sort_by + 1) % len(SORTS)
        name = SORTS[self.sort_by]
        numeric = name in ("val", "test", "search calls", "spend", "time")
        self.query_one("#runs", DataTable).sort(
            name, key=lambda v: _number(str(v)) if numeric else str(v), reverse=numeric)
        self.notify(f"sorted by {name}", timeout=2)

    def action_search(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.query_one("#runs", DataTable).focus()

    def on_input_changed(self, _: Input.Changed) -> None:
        self.action_reload()

    def on_input_submitted(self, _: Input.Submitted) -> None:
        self.query_one("#runs", DataTable).focus()

    def action_open(self) -> None:
        t = self.query_one("#runs", DataTable)
        if t.row_count:
            key = t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value
            self.app.push_screen(RunScreen(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(RunScreen(str(event.row_key.value)))


class RunScreen(Screen[None]):
    """Best val over iterations, the iterations table, spend; s stops the run."""

    BINDINGS = [Binding("escape", "app.pop_screen", "back"),
                Binding("b", "best", "best"), Binding("enter", "candidate", "open", show=False),
                Binding("l", "calls", "calls"), Binding("g", "lineage", "lineage"),
                Binding("f", "frontier", "frontier"), Binding("s", "stop", "stop"),
                Binding("c", "costs", "score-cost front (CARBS)", show=False)]

    def __init__(self, run_id: str):
        super().__init__()
        self.run_id, self.last = run_id, -1  # the last iteration read
        self.events: list[IterationEnded] = []
        self.calls: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        with Horizontal(id="charts"):
            yield Chart("best val by iteration", id="trend")
            yield Chart("by metric calls", id="by_calls")
        yield Static(id="spend")
        yield PagedTable(id="iterations", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)  # ^p is listed by ?

    def on_mount(self) -> None:
        table = self.query_one("#iterations", PagedTable)
        table.add_columns("iter", "proposer", "outcome", "minibatch", "val", "best",
                          "calls", "why")
        self.reload()
        table.focus()
        self.set_interval(self.app.poll_s, self.reload)  # type: ignore[attr-defined]

    def reload(self) -> None:
        """Read only what is new since the last poll (a live run may have thousands)."""
        archive = self.app.archive  # type: ignore[attr-defined]
        run = archive.get_run(self.run_id)
        new = archive.iterations(self.run_id, after=self.last)
        self.events += new
        self.last = new[-1].iteration if new else self.last
        if new or not self.calls or run["status"] != "running":
            self.calls = archive.metric_calls_by_split(self.run_id)  # only when it moved
        seed = archive.val_mean(run["task_key"], run["seed_candidate"] or "") or 0.0
        spend = archive.spend(self.run_id)
        progress = archive.run_progress(self.run_id)
        self.query_one("#summary", Static).update(self._summary(run, spend, progress, seed))
        self.query_one("#trend", Chart).points = best_by(self.events, seed, "iteration")
        self.query_one("#by_calls", Chart).points = best_by(self.events, seed, "metric_calls")
        self.query_one("#spend", Static).update(styled("   ".join(
            f"{s.purpose} ({s.model}): {s.calls} calls, {s.errors} errors, {s.tokens} tokens, "
            f"${s.usd:.4f}, {s.seconds:.1f} s" for s in spend) or
            "no LLM calls yet"))
        self.query_one("#iterations", PagedTable).extend(
            (r.child and f"{r.iteration}:{r.child}", _iteration_row(r)) for r in new)

    def _summary(self, run: dict[str, Any], spend: list[Any], p: RunProgress,
                 seed: float) -> Any:
        calls = self.calls
        usd, tokens = sum(s.usd for s in spend), sum(s.tokens for s in spend)
        best = self.events[-1].best_val if self.events else seed
        test = fmt(p.best_test) if p.best_test is not None else (
            "at the end" if run["status"] == "running" else "-")
        search = calls.get("train", 0) + calls.get("val", 0)
        return styled((run["id"], "bold"), f" · {run['status']} · task {run['task']}\n"
                      f"{progress_line(p)} · stop: {run['stop_reason'] or '-'}\n"
                      f"best val {fmt(best)} · test {test} · metric calls {search} "
                      f"(+{calls.get('test', 0)} test) · LLM ${usd:.4f}, {tokens} tokens")

    def action_best(self) -> None:
        from galapagos.ui.detail import CandidateScreen

        archive = self.app.archive  # type: ignore[attr-defined]
        run, improved = archive.get_run(self.run_id), archive.run_events(self.run_id,
                                                                          BestImproved)
        best = run["best_candidate"] or (improved[-1].candidate if improved
                                         else None) or run["seed_candidate"]
        if not best:
            self.notify("This run has no scored candidate yet.", timeout=4)
            return
        if best == run["seed_candidate"]:
            self.notify("No child has beaten the seed yet: this is the seed.", timeout=4)
        self.app.push_screen(CandidateScreen(self.run_id, best))

    def action_candidate(self) -> None:
        from galapagos.ui.detail import CandidateScreen

        t = self.query_one("#iterations", DataTable)
        key = t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value if t.row_count \
            else None
        if key and ":" in str(key):
            self.app.push_screen(CandidateScreen(self.run_id, str(key).split(":", 1)[1]))

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_candidate()

    def action_calls(self) -> None:
        from galapagos.ui.detail import CallsScreen

        self.app.push_screen(CallsScreen(self.run_id))

    def action_lineage(self) -> None:
        from galapagos.ui.views import LineageScreen

        self.app.push_screen(LineageScreen(self.run_id))

    def action_frontier(self) -> None:
        from galapagos.ui.views import FrontierScreen

        self.app.push_screen(FrontierScreen(self.run_id))

    def action_costs(self) -> None:
        from galapagos.ui.costs import CostFrontScreen

        self.app.push_screen(CostFrontScreen(self.run_id))

    def action_stop(self) -> None:
        path = self.app.archive.request_stop(self.run_id)  # type: ignore[attr-defined]
        self.notify(printable(f"Asked the run to stop at its next safe point ({path}). "
                              f"Continue it later with: galapagos resume {self.run_id}"),
                    timeout=10, markup=False)
