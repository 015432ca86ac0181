"""The knobs' box in basic space, applied to candidate points as the reference does:
integer knobs rounded first, then points outside the bounds masked out rather than clamped
onto an edge (where many would become one candidate, tried again and again), and points
already observed or pending masked too (here an identical candidate is not a new draw)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from galapagos.orchestrator.carbs.space import Knob


@dataclass(frozen=True)
class Box:
    knobs: tuple[Knob, ...]  # in the order of the basic coordinates

    def round(self, xs: np.ndarray) -> np.ndarray:
        """Each integer knob's coordinate moved to its nearest whole value."""
        out = np.array(xs, dtype=float, copy=True)
        for j, k in enumerate(self.knobs):
            if k.integer:
                out[:, j] = [_whole(k, x) for x in out[:, j]]
        return out

    def keep(self, xs: np.ndarray, taken: Sequence[np.ndarray]) -> np.ndarray:
        """Which points lie within every knob's bounds and are none of ``taken``."""
        ok = np.ones(len(xs), dtype=bool)
        for j, k in enumerate(self.knobs):
            if k.low is not None:
                ok &= xs[:, j] >= k.to_basic(k.low) - 1e-12
            if k.high is not None:
                ok &= xs[:, j] <= k.to_basic(k.high) + 1e-12
        for t in taken:
            ok &= ~np.all(np.isclose(xs, t, rtol=0.0, atol=1e-9), axis=1)
        return ok


def _whole(k: Knob, x: float) -> float:
    value = math.exp(min(x, 700.0)) if k.space == "log" else x * k.scale
    return k.to_basic(max(float(round(value)), 1.0) if k.space == "log" else float(round(value)))
