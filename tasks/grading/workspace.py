"""What a candidate changed in a workspace, for a trace or a result's output."""

from __future__ import annotations

import difflib


def changes(before: dict[str, str], after: dict[str, str]) -> str:
    """One unified diff over every file that differs (a file absent on one side is
    ``/dev/null`` there); every line ends with a newline, a last unterminated one too."""
    lines: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old != new:
            lines += difflib.unified_diff(
                (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                f"a/{name}" if old is not None else "/dev/null",
                f"b/{name}" if new is not None else "/dev/null")
    return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)
