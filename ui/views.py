"""A run's lineage (the tree of candidates: which proposer made each, accepted or not) and
its frontier (candidates x val instances as a heat map, who leads where, how often each
was picked as a parent)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from rich.color import Color
from rich.style import Style
from rich.text import Span, Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Tree

from galapagos.archive.clean import cell, printable
from galapagos.ui.paged import PagedTable, Row


class RunView(Screen[None]):
    """A screen about one run: a header, the view's widget, the keys."""

    BINDINGS = [Binding("escape", "app.pop_screen", "back")]

    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.body()
        yield Footer(show_command_palette=False)  # ^p is listed by ?

    def body(self) -> Any:
        raise NotImplementedError


class LineageScreen(RunView):
    """The tree grows as it is opened: the root's children and the path down to the best
    candidate at first, a node's children when it is expanded."""

    def body(self) -> Any:
        return Tree("candidates", id="lineage")

    def on_mount(self) -> None:
        archive = self.app.archive  # type: ignore[attr-defined]
        rows = archive.run_candidates(self.run_id)
        self.means = archive.frontier_summary(self.run_id).means
        self.rows = {r["candidate_id"]: r for r in rows}
        self.kids: dict[str | None, list[str]] = {}
        for r in rows:  # in iteration order: a parent is placed before its children
            parents = [p for p in json.loads(r["parents"] or "[]") if p in self.rows]
            r["shown_parents"] = parents
            self.kids.setdefault(parents[0] if parents else None, []).append(r["candidate_id"])
        self.sub_title = f"{len(rows)} candidates"
        tree = self.query_one("#lineage", Tree)
        self._grow(tree.root, None)
        node = tree.root.expand()
        for cid in self._path_to(archive.get_run(self.run_id)["best_candidate"]):
            node = next(n for n in node.children if n.data == cid)
            self._grow(node, cid)
            node.expand()
        tree.focus()

    def _path_to(self, cid: str | None) -> list[str]:
        path: list[str] = []
        while cid in self.rows and cid not in path:
            path.insert(0, cid)
            parents = self.rows[cid]["shown_parents"]
            cid = parents[0] if parents else None
        return path

    def _grow(self, node: Any, cid: str | None) -> None:
        """Add ``cid``'s children under ``node`` (once)."""
        if not node.children:
            for kid in self.kids.get(cid, []):
                r = self.rows[kid]
                node.add(_label(r, self.means.get(kid), r["shown_parents"]), data=kid,
                         allow_expand=bool(self.kids.get(kid)))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        if event.node.data:
            self._grow(event.node, event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        from galapagos.ui.detail import CandidateScreen

        if event.node.data:
            self.app.push_screen(CandidateScreen(self.run_id, event.node.data))


def _label(r: dict[str, Any], mean: float | None, parents: list[str]) -> Text:
    style = {"accepted": "bold green", "seed": "bold"}.get(r["role"], "dim")
    text = Text(printable(f"{r['candidate_id'][:10]} ", lines=False), style=style)
    text.append(printable(f"it {r['iteration']} {r['proposer']} {r['role']}", lines=False))
    if mean is not None:
        text.append(f"  val {mean:.3f}", style="cyan")
    if len(parents) > 1:
        text.append(f"  (merge with {parents[1][:8]})", style="magenta")
    return text


class FrontierScreen(RunView):
    """Leaders first (the candidates that lead on the most instances), a page of rows at
    a time and a screen's width of instances at a time: what is not looked at is neither
    read nor drawn."""

    BINDINGS = [Binding("left_square_bracket", "shift(-1)", "earlier"),
                Binding("right_square_bracket", "shift(1)", "later")]

    def body(self) -> Any:
        return PagedTable(page=50, id="frontier", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        archive = self.app.archive  # type: ignore[attr-defined]
        self.summary = archive.frontier_summary(self.run_id)
        leads = {c: self.summary.leads.get(c, 0) for c in archive.pool(self.run_id)}
        self.pool = sorted(leads, key=lambda c: (-leads[c], c))
        self.picked: dict[str, int] = {}
        for r in archive.iterations(self.run_id):
            self.picked[r.parent] = self.picked.get(r.parent, 0) + 1  # type: ignore[index]
        self.top = _instance_tops(self.summary.top)
        self.instances = sorted(self.top, key=_natural)
        self.key, self.start = archive.get_run(self.run_id)["task_key"], 0
        self.scores: dict[str, dict[str, float]] = {}  # the pages read so far
        self.sub_title = (f"{len(self.pool)} candidates x {len(self.instances)} val instances; "
                          f"{sum(v > 0 for v in leads.values())} lead somewhere")
        self.fill()
        self.query_one("#frontier", PagedTable).focus()

    def fill(self) -> None:
        table = self.query_one("#frontier", PagedTable)
        row, width = table.cursor_row, max(10, self.app.size.width - 44)
        shown = self.instances[self.start:self.start + width]
        more = " ([ ] for more)" if len(shown) < len(self.instances) else ""
        table.clear(columns=True)
        table.add_columns("candidate", "leads", "picked", "mean", (
            f"val instances {self.start + 1}-{self.start + len(shown)} of "
            f"{len(self.instances)}{more}: green leads, brighter scores higher"))
        table.show(r for page in _pages(self.pool, table.page) for r in self._rows(page, shown))
        while table.row_count <= row and not table.drained:
            table.more()
        table.move_cursor(row=row)

    def _rows(self, page: list[str], instances: list[str]) -> Iterator[Row]:
        if page[0] not in self.scores:
            archive = self.app.archive  # type: ignore[attr-defined]
            self.scores.update(archive.scores(self.key, page, "val"))
        for c in page:
            yield c, (cell(c[:12]), str(self.summary.leads.get(c, 0)), str(self.picked.get(c, 0)),
                      f"{self.summary.means.get(c, 0.0):.3f}",
                      _heat_row(self.scores[c], self.top, instances))

    def action_shift(self, step: int) -> None:
        """The next (or previous) screen's width of instances."""
        width = max(10, self.app.size.width - 44)
        start = self.start + step * width
        if 0 <= start < len(self.instances):
            self.start = start
            self.fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from galapagos.ui.detail import CandidateScreen

        self.app.push_screen(CandidateScreen(self.run_id, str(event.row_key.value)))


def _pages(items: list[str], size: int) -> Iterator[list[str]]:
    for k in range(0, len(items), size):
        yield items[k:k + size]


def _instance_tops(top: dict[str, float]) -> dict[str, float]:
    """The best score per val instance among the fronts (objective fronts, ``@name``, and
    cartesian ones, ``instance@name``, hold others)."""
    plain = {k: v for k, v in top.items() if "@" not in k}
    return plain or {k.removesuffix("@score"): v for k, v in top.items()
                     if k.endswith("@score") and not k.startswith("@")}


def _natural(name: str) -> list[Any]:
    """val-2 before val-10."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _heat_row(scores: dict[str, float], top: dict[str, float],
              instances: list[str]) -> Text:
    """One block per instance: green where the candidate leads, brighter where it scores
    higher, dim where it has no score (spans of ready styles: a page of big rows is fast)."""
    spans = []
    for k, i in enumerate(instances):
        score = scores.get(i)
        if score is None:
            spans.append(Span(k, k + 1, NONE))
            continue
        shade = round(10 * max(0.0, min(score, 1.0)))
        spans.append(Span(k, k + 1, (LEAD if score >= top[i] - 1e-9 else TRAIL)[shade]))
    return Text("".join("█" if s.style is not NONE else "·" for s in spans), spans=spans)


NONE = Style(dim=True)
LEAD = [Style(color=Color.from_rgb(40, 40 + 20 * k, 40)) for k in range(11)]
TRAIL = [Style(color=Color.from_rgb(40 + 20 * k, 40 + 20 * k, 40 + 20 * k)) for k in range(11)]
