"""A run's lineage (the tree of candidates: which proposer made each, accepted or not) and
its frontier (candidates x val instances as a heat map, who leads where, how often each
was picked as a parent)."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Tree

from galapagos.archive import Archive


class RunView(Screen[None]):
    """A screen about one run: a header, the view's widget, the keys."""

    BINDINGS = [Binding("escape", "app.pop_screen", "back")]

    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.body()
        yield Footer()

    def body(self) -> Any:
        raise NotImplementedError


class LineageScreen(RunView):
    def body(self) -> Any:
        return Tree("candidates", id="lineage")

    def on_mount(self) -> None:
        self.sub_title = "loading…"
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """Read in a thread (its own connection); the screen stays responsive."""
        archive = Archive(self.app.archive.path)  # type: ignore[attr-defined]
        rows = archive.run_candidates(self.run_id)
        means = archive.val_means(archive.get_run(self.run_id)["task_key"], self.run_id)
        self.app.call_from_thread(self.fill, rows, means)

    def fill(self, rows: list[dict[str, Any]], means: dict[str, float]) -> None:
        self.sub_title = f"{len(rows)} candidates"
        tree = self.query_one("#lineage", Tree)
        tree.root.expand()
        nodes: dict[str, Any] = {}
        for r in rows:  # in iteration order: a parent is placed before its children
            parents = [p for p in json.loads(r["parents"] or "[]") if p in nodes]
            label = _label(r, means.get(r["candidate_id"]), parents)
            under = nodes[parents[0]] if parents else tree.root
            nodes[r["candidate_id"]] = under.add(label, data=r["candidate_id"], expand=True)
        tree.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        from galapagos.ui.detail import CandidateScreen

        if event.node.data:
            self.app.push_screen(CandidateScreen(self.run_id, event.node.data))


def _label(r: dict[str, Any], mean: float | None, parents: list[str]) -> Text:
    style = {"accepted": "bold green", "seed": "bold"}.get(r["role"], "dim")
    text = Text(f"{r['candidate_id'][:10]} ", style=style)
    text.append(f"it {r['iteration']} {r['proposer']} {r['role']}")
    if mean is not None:
        text.append(f"  val {mean:.3f}", style="cyan")
    if len(parents) > 1:
        text.append(f"  (merge with {parents[1][:8]})", style="magenta")
    return text


ROWS = 200  # frontier rows shown: the candidates that lead on the most instances


class FrontierScreen(RunView):
    def body(self) -> Any:
        return DataTable(id="frontier", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        self.query_one("#frontier", DataTable).add_columns(
            "candidate", "leads", "picked", "mean",
            "val instances, in order: green leads, brighter scores higher")
        self.sub_title = "loading…"
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        archive = Archive(self.app.archive.path)  # type: ignore[attr-defined]
        run = archive.get_run(self.run_id)
        fronts = archive.frontier(self.run_id, run["task_key"])  # instance -> (top, leaders)
        every = archive.pool(self.run_id)
        leads = {c: 0 for c in every}
        for _, ids in fronts.values():
            for c in ids:
                leads[c] = leads.get(c, 0) + 1
        pool = sorted(every, key=lambda c: (-leads[c], c))[:ROWS]  # leaders first
        scores = archive.scores(run["task_key"], pool, "val")
        picked: dict[str, int] = {}
        for e in archive.events(self.run_id, "iteration"):
            picked[e["data"].get("parent")] = picked.get(e["data"].get("parent"), 0) + 1
        instances = sorted(fronts, key=_natural)
        rows = []
        for c in pool:
            s = scores.get(c, {})
            mean = sum(s.values()) / len(s) if s else 0.0
            rows.append((c, (c[:12], str(leads[c]), str(picked.get(c, 0)), f"{mean:.3f}",
                             _heat_row(s, fronts, instances))))
        title = (f"{len(pool)} of {len(every)} candidates x {len(instances)} val instances; "
                 f"{sum(v > 0 for v in leads.values())} lead somewhere")
        self.app.call_from_thread(self.fill, rows, title)

    def fill(self, rows: list[tuple[str, tuple[Any, ...]]], title: str) -> None:
        t = self.query_one("#frontier", DataTable)
        for key, cells in rows:
            t.add_row(*cells, key=key)
        self.sub_title = title
        t.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from galapagos.ui.detail import CandidateScreen

        self.app.push_screen(CandidateScreen(self.run_id, str(event.row_key.value)))


def _natural(name: str) -> list[Any]:
    """val-2 before val-10."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _heat_row(scores: dict[str, float], fronts: dict[str, Any],
              instances: list[str]) -> Text:
    """One block per instance: green where the candidate leads, brighter where it scores
    higher, dim where it has no score (one Text per row keeps big frontiers fast)."""
    row = Text()
    for i in instances:
        score = scores.get(i)
        if score is None:
            row.append("·", style="dim")
            continue
        shade = int(40 + 200 * max(0.0, min(score, 1.0)))
        lead = score >= fronts[i][0] - 1e-9
        row.append("█", style=f"rgb(40,{shade},40)" if lead else f"rgb({shade},{shade},{shade})")
    return row
