"""The application: one archive, opened read-only for the screens; a screen per view."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from galapagos.archive import Archive


class GalapagosApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Galápagos"
    BINDINGS = [Binding("q", "quit", "quit"), Binding("question_mark", "help", "keys"),
                Binding("t", "toggle_dark", "theme", show=False)]

    def __init__(self, archive: str | Path, run_id: str | None = None, poll_s: float = 1.0):
        super().__init__()
        self.archive, self.run_id, self.poll_s = Archive.for_reading(archive), run_id, poll_s

    def on_mount(self) -> None:
        from galapagos.ui.screens import RunScreen, RunsScreen

        self.push_screen(RunsScreen())
        if self.run_id:
            self.push_screen(RunScreen(self.archive.get_run(self.run_id)["id"]))

    def action_help(self) -> None:
        """Every key of this screen (those the footer has no room for too), as typed."""
        declared = [*self.screen.BINDINGS, *self.BINDINGS]  # the focused table's own keys aside
        bindings = [b if isinstance(b, Binding) else Binding(*b) for b in declared]
        keys = "\n".join(f"{self.get_key_display(b):>6}  {b.description}" for b in bindings
                         if b.description)
        self.notify(keys or "no keys here", title="keys", timeout=8)

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
