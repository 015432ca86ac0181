"""What a task hands back, checked and bounded where it enters the loop.

A score must be a finite real number (an int or a float; not a bool, a string or None)
within the range the task declares (``Traits.score_range``), or the task is at fault: a
``BadResult`` (a ``TaskError``) naming the task, the instance and the value; nothing is
stored (a NaN once stored made every reader of the archive fail). Output, feedback and
trace are kept up to a size, with a note that says how much was cut: a plug-in's
billion-character output must not become a billion characters in every copy the loop
makes of it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import replace
from typing import Any

from galapagos.errors import BadResult
from galapagos.tasks.protocol import Instance, Result

MAX_OUTPUT = 100_000     # characters of an output kept
MAX_FEEDBACK = 20_000    # characters of feedback kept
MAX_TRACE = 200_000      # characters of strings kept over a whole trace
MAX_TRACE_ITEMS = 1_000  # items of one list or mapping in a trace
MAX_TRACE_DEPTH = 32     # levels of nesting in a trace


def checked(result: object, task: str, instance: Instance,
            score_range: tuple[float, float] | None = None) -> Result:
    """``result`` with a valid score and bounded sizes, or a ``BadResult`` that names what
    is wrong."""
    if not isinstance(result, Result):
        raise _error(task, instance, f"returned {_show(result)} instead of a Result")
    score = check_score(result.score, task, instance, score_range)
    return replace(result, score=score, output=cut(_text(result.output), MAX_OUTPUT),
                   feedback=cut(_text(result.feedback), MAX_FEEDBACK),
                   trace=bounded(result.trace), objectives=_objectives(result, task, instance))


def check_score(value: object, task: str, instance: Instance,
                score_range: tuple[float, float] | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _error(task, instance, f"returned the score {_show(value)}: a score must be "
                     "an int or a float")
    try:
        score = float(value)
    except (OverflowError, ValueError):
        score = math.inf
    if not math.isfinite(score):
        raise _error(task, instance, f"returned the score {_show(value)}: a score must be "
                     "a finite number (not NaN or infinite, and within a float's range)")
    if score_range is not None and not score_range[0] <= score <= score_range[1]:
        raise _error(task, instance, f"returned the score {score!r}, outside the range "
                     f"{score_range[0]!r} to {score_range[1]!r} the task declares")
    return score


def _objectives(result: Result, task: str, instance: Instance) -> dict[str, float]:
    objectives = result.objectives if isinstance(result.objectives, dict) else {}
    out: dict[str, float] = {}
    for name, value in list(objectives.items())[:MAX_TRACE_ITEMS]:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(float(value)):
            raise _error(task, instance, f"returned the objective {cut(str(name), 80)!r} = "
                         f"{_show(value)}: an objective must be a finite number")
        out[cut(str(name), 200)] = float(value)
    return out


def cut(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters, with a note of how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text) - limit:,} more characters]"


def bounded(value: Any, budget: int = MAX_TRACE) -> Any:
    """A copy of a trace (JSON-like data) with strings, lists and nesting within bounds;
    anything else becomes its (bounded) ``repr``."""
    left = [budget]

    def walk(v: Any, depth: int) -> Any:
        if v is None or isinstance(v, (bool, int, float)):
            return v if not isinstance(v, int) or abs(v) < 1 << 63 else str(v)[:40] + "…"
        if depth >= MAX_TRACE_DEPTH:
            return "… [cut: nested too deep]"
        if isinstance(v, str):
            kept = cut(v, max(left[0], 0))
            left[0] -= min(len(v), max(left[0], 0))
            return kept
        if isinstance(v, dict):
            items = list(v.items())
            out = {cut(str(k), 200): walk(x, depth + 1) for k, x in items[:MAX_TRACE_ITEMS]}
            if len(items) > MAX_TRACE_ITEMS:
                out["…"] = f"[cut: {len(items) - MAX_TRACE_ITEMS:,} more items]"
            return out
        if isinstance(v, (list, tuple)):
            out_list = [walk(x, depth + 1) for x in v[:MAX_TRACE_ITEMS]]
            if len(v) > MAX_TRACE_ITEMS:
                out_list.append(f"… [cut: {len(v) - MAX_TRACE_ITEMS:,} more items]")
            return out_list
        return walk(_show(v, 2000), depth)

    return walk(value, 0)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else _show(value, 10**6))


def _show(value: object, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a hostile __repr__ is shown as such
        text = f"<{type(value).__name__} whose repr raised {type(exc).__name__}>"
    return cut(text, limit)


def _error(task: str, instance: Instance, what: str) -> BadResult:
    return BadResult(
        f"Task '{task}' {what} for instance {instance.id!r} ({instance.split}). Nothing was "
        "stored for it. Fix the task's evaluate() (or declare its score_range), then resume "
        "the run.")
