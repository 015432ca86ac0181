"""What goes into the archive is valid text and bounded JSON, whatever a candidate made;
what comes out onto a terminal is shown as data (``printable``, and Rich ``Text`` from it
for the CLI and the UI: markup never read, control characters made visible).

A candidate's output can hold lone surrogates (from JSON escapes or file names that are not
UTF-8) and JSON nested far deeper than Python's stack; stored as is, either would make the
write raise and stop the run. So every text is made encodable (a lone surrogate becomes
U+FFFD) and every JSON value is copied to a bounded depth before it is written."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

MAX_DEPTH = 64   # deeper values are stored as a note saying so
TOO_DEEP = "<nested too deep to store>"


def text(value: Any) -> Any:
    """``value`` with any lone surrogate replaced, if it is a string; else as it is."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:  # a surrogate pair joins, a lone one becomes U+FFFD
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def jsonable(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` that ``json.dumps`` writes as valid UTF-8, at most MAX_DEPTH
    deep; what JSON cannot hold becomes its text."""
    if isinstance(value, str):
        return text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= MAX_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {text(str(k)): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
    return text(str(value))


def dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(jsonable(value), ensure_ascii=False)


def _visible_table() -> dict[int, str]:
    """Control characters as visible pictures (ESC as ␛), bidi overrides as escapes."""
    table = {c: chr(0x2400 + c) for c in range(0x20)}   # C0 → Control Pictures
    table[0x7F] = "\u2421"
    table.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})   # C1 (0x9b is a CSI)
    for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]:
        table[c] = f"\\u{c:04x}"
    return table


VISIBLE = _visible_table()
KEEP_LINES = {**VISIBLE, 0x09: "\t", 0x0A: "\n"}


# what a terminal shows ---------------------------------------------------------------
def printable(value: Any, *, lines: bool = True) -> str:
    """``value`` as text a terminal shows as it is: no control character (escape
    sequences, title changes, clipboard writes, carriage returns, bidi overrides) reaches
    the terminal; each is shown as a visible sign. ``lines``: keep tabs and newlines."""
    return text(str(value)).translate(KEEP_LINES if lines else VISIBLE)


def styled(*parts: tuple[Any, str] | Any) -> "Text":
    """Text from ``(value, style)`` pairs (or bare values), each value shown as data."""
    from rich.text import Text

    out = Text()
    for part in parts:
        value, style = part if isinstance(part, tuple) else (part, "")
        if isinstance(value, Text):  # already shown as data, with its styles
            out.append_text(value)
        else:
            out.append(printable(value), style=style)
    return out


def cell(value: Any) -> "Text":
    """One line of data for a table cell: newlines shown as signs, nothing interpreted."""
    from rich.text import Text

    return Text(printable(value, lines=False))


def clip(value: Any, width: int) -> str:
    """``value`` in at most ``width`` characters, cut at a word's end with an ellipsis
    when it is longer (a note cut mid-word reads as another word)."""
    s = " ".join(str(value).split())
    if len(s) <= width:
        return s
    cut = s[:width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ,;:(") + "…"
