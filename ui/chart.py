"""A step chart with axes: a score against iterations or metric calls, drawn on a fixed
scale (0 to 1 for scores, widened when a value falls outside), so that a constant 0 is an
empty chart and a constant 0.5 fills half of it."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"
Point = tuple[float, float]  # (x, y)


def resample(points: Sequence[Point], width: int) -> list[float]:
    """The step function through ``points`` (sorted by x) read at ``width`` even steps of x:
    each column holds the last y at or before its right edge."""
    if not points or width <= 0:
        return []
    x0, x1 = points[0][0], points[-1][0]
    span = (x1 - x0) or 1.0
    out, k, y = [], 0, points[0][1]
    for c in range(width):
        edge = x0 + span * (c + 1) / width
        while k < len(points) and points[k][0] <= edge + 1e-12:
            y = points[k][1]
            k += 1
        out.append(y)
    return out


def scale(ys: Sequence[float]) -> tuple[float, float]:
    return min(0.0, *ys) if ys else 0.0, max(1.0, *ys) if ys else 1.0


def draw(points: Sequence[Point], width: int, height: int, title: str) -> Text:
    """``height`` rows of plot with the y scale on the left, then the x axis with its range
    and the title."""
    lo, hi = scale([y for _, y in points])
    labels = (f"{hi:.2f}", f"{lo:.2f}")
    pad = max(map(len, labels))
    cols = resample(points, max(width - pad - 1, 1))
    eighths = [round(8 * height * (y - lo) / ((hi - lo) or 1.0)) for y in cols]
    text = Text()
    for row in range(height):
        floor = 8 * (height - 1 - row)
        left = labels[0] if row == 0 else labels[1] if row == height - 1 else ""
        text.append(f"{left:>{pad}}┤", style="dim")
        text.append("".join(BLOCKS[max(0, min(8, e - floor))] for e in eighths), style="cyan")
        text.append("\n")
    text.append(" " * pad + "└", style="dim")
    text.append(_axis(points, len(cols), title), style="dim")
    return text


def _axis(points: Sequence[Point], width: int, title: str) -> str:
    first, last = (f"{points[0][0]:g}", f"{points[-1][0]:g}") if points else ("", "")
    middle = f" {title} "
    rule = width - len(first) - len(last) - len(middle)
    if rule < 2:
        return f"{first}{'─' * max(width - len(first) - len(last), 1)}{last}"[:width]
    return f"{first}{'─' * (rule // 2)}{middle}{'─' * (rule - rule // 2)}{last}"


class Chart(Widget):
    """``points`` are set by the screen; the chart redraws at its own width."""

    DEFAULT_CSS = "Chart { height: 4; }"

    def __init__(self, title: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title, self._points = title, [(0.0, 0.0)]

    @property
    def points(self) -> list[Point]:
        return self._points

    @points.setter
    def points(self, value: list[Point]) -> None:
        if value != self._points:
            self._points = value
            self.refresh()

    def render(self) -> Text:
        return draw(self._points, self.size.width, max(self.size.height - 1, 1), self.title)
