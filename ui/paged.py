"""A table that adds its rows a page at a time, as the cursor or the scroll comes near the
last one: a screen of a run with thousands of iterations, calls or candidates paints its
first page at once, and the rest costs only when someone looks at it."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable

Row = tuple[str | None, tuple[Any, ...]]  # (row key, cells)


class PagedTable(DataTable[Any]):
    MARGIN = 20  # rows left below the cursor (or the view) that call for the next page

    def __init__(self, page: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.page = page  # rows added at a time
        self._source: Iterator[Row] = iter(())
        self.drained = True  # every row the source had is in the table
        self._adding = False  # adding a row moves the cursor: no page from inside a page

    def clear(self, columns: bool = False) -> PagedTable:
        """Empty, and forget the rows not added yet (they belong to what was shown)."""
        self._source, self.drained = iter(()), True
        super().clear(columns)
        return self

    def show(self, rows: Iterable[Row]) -> None:
        """Replace the rows with ``rows`` (an iterable, read as far as is looked at)."""
        self.clear()
        self._source, self.drained = iter(rows), False
        self.more()

    def extend(self, rows: Iterable[Row]) -> None:
        """Rows that came after (a live run): shown at once when the rest already is."""
        self._source, self.drained = itertools.chain(self._source, rows), False
        if self.row_count - self.cursor_row <= self.MARGIN:
            self.more()

    def more(self, everything: bool = False) -> None:
        """Add the next page of rows (or every row left)."""
        if self.drained or self._adding:
            return
        self._adding = True
        try:
            page = list(self._source if everything else
                        itertools.islice(self._source, self.page))
            self.drained = everything or len(page) < self.page
            for key, cells in page:
                self.add_row(*cells, key=key)
        finally:
            self._adding = False

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if new.row >= self.row_count - self.MARGIN:
            self.more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new + self.size.height >= self.row_count - self.MARGIN:  # rows are a line high
            self.more()

    def action_scroll_bottom(self) -> None:
        """To the last row there is, not the last one added."""
        self.more(everything=True)
        super().action_scroll_bottom()

    def action_scroll_end(self) -> None:
        """End, in a table of rows, goes to the last row (and Home to the first)."""
        if self.cursor_type == "row":
            self.action_scroll_bottom()
        else:
            super().action_scroll_end()

    def action_scroll_home(self) -> None:
        if self.cursor_type == "row":
            self.action_scroll_top()
        else:
            super().action_scroll_home()
