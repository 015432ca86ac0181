"""What goes into the archive is valid text and bounded JSON, whatever a candidate made.

A candidate's output can hold lone surrogates (from JSON escapes or file names that are not
UTF-8) and JSON nested far deeper than Python's stack; stored as is, either would make the
write raise and stop the run. So every text is made encodable (a lone surrogate becomes
U+FFFD) and every JSON value is copied to a bounded depth before it is written."""

from __future__ import annotations

import json
import math
from typing import Any

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
