"""A candidate (its components and files, the diff against its parent, its per-instance
val scores with feedback) and a run's LLM calls (prompt and answer on selection)."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from galapagos.archive.clean import cell, clip, printable, styled
from galapagos.archive.export import write_candidate
from galapagos.errors import GalapagosError
from galapagos.ui.paged import PagedTable

SPLITS = ("val", "train", "test")
PAGE = 200_000  # characters shown of one text; the rest is written out with w


class CandidateScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "back"), Binding("d", "diff", "diff"),
                Binding("v", "scores", "scores"), Binding("w", "write", "write out")]

    def __init__(self, run_id: str, cid: str):
        super().__init__()
        self.run_id, self.cid, self.mode = run_id, cid, "text"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="scores")
        with Horizontal():
            yield DataTable(id="left", cursor_type="row")
            with VerticalScroll(id="right"):
                yield Static(id="detail")
        yield Footer(show_command_palette=False)  # ^p is listed by ?

    def on_mount(self) -> None:
        cand = self.app.archive.get_candidate(self.cid)  # type: ignore[attr-defined]
        self.cand = cand
        self.sub_title = printable(f"candidate {cand.id} ({cand.proposer})", lines=False)
        archive = self.app.archive  # type: ignore[attr-defined]
        self.task_key = archive.get_run(self.run_id)["task_key"]
        means = archive.split_means(self.task_key, self.cid)
        self.query_one("#scores", Static).update(" · ".join(
            f"{split} {means[split][0]:.3f} over {means[split][1]}"
            for split in SPLITS if split in means) or "not scored yet")
        t = self.query_one("#left", DataTable)
        t.add_columns("part", "lines")
        for name, text in sorted(cand.view().items()):
            t.add_row(cell(name), str(len(text.splitlines())), key=name)
        self.show(next(iter(sorted(cand.view())), ""))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.mode == "text" and event.row_key.value:
            self.show(str(event.row_key.value))

    def show(self, name: str) -> None:
        text = self.cand.view().get(name, "")[:PAGE]
        lexer = "python" if name.endswith(".py") else "text"
        self.query_one("#detail", Static).update(Syntax(printable(text), lexer,
                                                        line_numbers=True, word_wrap=True))

    def action_diff(self) -> None:
        """Against the first parent; pressed again, against the next (a merge has two)."""
        parents = list(self.cand.parents) or [None]
        self.diff_k = (getattr(self, "diff_k", -1) + 1) % len(parents)
        self.mode, against = "diff", parents[self.diff_k]
        diffs = self.app.archive.diff(self.cid, against)  # type: ignore[attr-defined]
        body = "\n".join(diffs.values())[:PAGE] or "no changes against this parent"
        self.sub_title = (f"candidate {self.cid[:16]}: diff against "
                          f"{against[:16] if against else 'nothing (a seed)'}")
        self.shown = body
        self.query_one("#detail", Static).update(Syntax(printable(body), "diff",
                                                        word_wrap=True))

    def action_scores(self) -> None:
        """Every score the candidate has, split by split, with its feedback."""
        self.mode = "scores"
        archive = self.app.archive  # type: ignore[attr-defined]
        parts: list[str] = []
        for split in SPLITS:
            rows = archive.instance_scores(self.task_key, self.cid, split)
            if rows:
                mean, pad = sum(r.score for r in rows) / len(rows), max(len(r.instance_id)
                                                                        for r in rows)
                parts.append(f"{split} mean {mean:.3f} over {len(rows)} instances\n" + "\n".join(
                    f"{r.instance_id:>{pad}}  {r.score:6.3f}  {r.feedback[:200]}" for r in rows))
        if not any(p.startswith("val") for p in parts):
            parts.append("not scored on val (rejected on its minibatch, or staged out)")
        self.query_one("#detail", Static).update(styled("\n\n".join(parts)))

    def action_write(self) -> None:
        """The first ``w`` says where the files would go; a second one writes them."""
        folder = Path.cwd() / f"galapagos-{self.cid[:12]}"
        if not getattr(self, "write_asked", False):
            self.write_asked = True
            self.notify(printable(f"Write candidate {self.cid} to {folder}? Press w again."),
                        markup=False)
            return
        self.write_asked = False
        try:
            report = write_candidate(self.cand.view(), folder)
        except (OSError, GalapagosError) as exc:
            self.notify(printable(f"Nothing written to {folder}: {exc}"), markup=False,
                        severity="error")
            return
        skipped = "".join(f"\nskipped {name!r:.60}: {why}" for name, why in report.skipped)
        self.notify(printable(f"Wrote {len(report.written)} file(s) of candidate {self.cid} "
                              f"to {folder}{skipped}"), markup=False,
                    severity="warning" if report.skipped else "information")


class CallsScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "back"), Binding("slash", "search", "search")]

    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search purpose, model, prompt, answer or error", id="filter")
        yield PagedTable(id="calls", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="detail"):
            yield Static(id="call")
        yield Footer(show_command_palette=False)  # ^p is listed by ?

    def on_mount(self) -> None:
        t = self.query_one("#calls", DataTable)
        t.add_columns("#", "purpose", "for", "model", "try", "tokens", "usd", "secs", "error")
        self.fill("")
        t.focus()

    def fill(self, needle: str) -> None:
        """Every call, in light rows added a page at a time (the search runs in SQL over
        all of them); a prompt is read when its row is highlighted."""
        rows = self.app.archive.call_rows(self.run_id, needle)  # type: ignore[attr-defined]
        table = self.query_one("#calls", PagedTable)
        table.show((str(c.id), tuple(map(cell, (c.id, c.purpose, c.served, c.model, c.attempt,
                                                c.tokens, f"{c.usd:.4f}", f"{c.latency_s:.2f}",
                                                clip(c.error, 40)))))
                   for c in rows)
        if not rows:
            self.query_one("#call", Static).update("no call matches")
        self.sub_title = f"{len(rows)} calls" + (
            "; End goes to the newest" if len(rows) > table.page else "")

    def action_search(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def on_input_submitted(self, _: Input.Submitted) -> None:
        self.query_one("#calls", DataTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("shown"):
            box.value = ""
            box.remove_class("shown")
            self.query_one("#calls", DataTable).focus()
        else:
            self.app.pop_screen()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The row's key is the call's id: an event that arrives after a search replaced
        the rows still names its call, never a row that is gone."""
        if event.row_key.value is None:
            return
        archive = self.app.archive  # type: ignore[attr-defined]
        c = archive.llm_call(int(event.row_key.value))
        prompt = "\n\n".join(str(m.get("content", "")) for m in c["messages"])
        self.query_one("#call", Static).update(styled(
            ("prompt", "bold"), "\n", prompt[:PAGE], "\n\n", ("answer", "bold"), "\n",
            (c["response"] or c["error"] or "")[:PAGE]))
