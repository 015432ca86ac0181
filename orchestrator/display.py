"""Printing data to a terminal as data. Everything a run stores can come from a candidate
or a model (texts, file names, feedback, run and task names), so every string the CLI
prints goes through ``DataConsole``: Rich markup in it is never read, and control
characters (escape sequences, title changes, clipboard writes, bidi overrides) are shown
as visible signs instead of reaching the terminal. Our own styling is applied with
``styled`` (text and a style, never markup). ``--json`` output does not come here: it
stays exact."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from galapagos.archive.clean import cell, printable, styled

__all__ = ["DataConsole", "cell", "styled"]


class DataConsole(Console):
    """A Rich console whose strings are data: no markup, no emoji codes, no control
    characters (tables, panels and titles render their strings through here too)."""

    def render_str(self, text: str, **options: Any) -> Text:
        options.update(markup=False, emoji=False)
        return super().render_str(printable(text), **options)
