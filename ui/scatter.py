"""A score-cost scatter in text: score up, log cost to the right; · a point, ● on the
front, x a failure (drawn at the bottom). Used by the UI and by ``galapagos show``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text


def scatter(points: Sequence[tuple[float, float, bool]], front: set[int], width: int = 60,
            height: int = 12) -> Text:
    """``points`` are ``(cost, score, failed)``; ``front`` the indices on the front."""
    if not points:
        return Text("(nothing evaluated yet)")
    costs = [math.log(max(c, 1e-12)) for c, _, _ in points]
    scores = [s for _, s, failed in points if not failed] or [0.0]
    lo_c, hi_c = min(costs), max(costs) + 1e-12
    lo_s, hi_s = min(scores), max(scores) + 1e-12
    grid = [[" "] * width for _ in range(height)]
    for i, ((_, score, failed), logc) in enumerate(zip(points, costs, strict=True)):
        col = int((logc - lo_c) / (hi_c - lo_c) * (width - 1))
        row = 0 if failed else int((score - lo_s) / (hi_s - lo_s) * (height - 1))
        mark = "x" if failed else "●" if i in front else "·"
        if grid[height - 1 - row][col] != "●":
            grid[height - 1 - row][col] = mark
    lines = [f"{hi_s:8.4f} ┤" + "".join(grid[0])]
    lines += ["         │" + "".join(r) for r in grid[1:-1]]
    low = f"cost {math.exp(lo_c):.3g}"
    high = f"{math.exp(hi_c):.3g} (log scale)"
    lines += [f"{lo_s:8.4f} ┤" + "".join(grid[-1]), "         └" + "─" * width,
              " " * 10 + low + " " * max(width - len(low) - len(high), 1) + high]
    return Text("\n".join(lines))
