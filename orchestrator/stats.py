"""Means and standard errors that hold for any finite scores.

A task may score 1e308 (a finite float): its square, or the sum of two, overflows, and
Python's float ``**`` raises ``OverflowError``. Here every value is divided by the
largest magnitude first, so nothing computed overflows; a result too large for a float
comes back as an infinity, never as an exception or a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """The mean and its standard error (the sample standard deviation over sqrt(n)); the
    error is 0 for fewer than two values."""
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    scale = max(abs(v) for v in values) or 1.0
    scaled = [v / scale for v in values]
    mean = sum(scaled) / n
    var = sum((x - mean) ** 2 for x in scaled) / (n - 1) if n > 1 else 0.0
    return _times(mean, scale), _times(math.sqrt(var / n), scale)


def paired_mean_se(child: Sequence[float], parent: Sequence[float]) -> tuple[float, float]:
    """``mean_se`` of the per-instance differences ``child - parent``, computed on scaled
    values, so a difference of two large scores cannot overflow either."""
    pairs = list(zip(child, parent, strict=True))
    scale = max((max(abs(c), abs(p)) for c, p in pairs), default=0.0) or 1.0
    mean, se = mean_se([c / scale - p / scale for c, p in pairs])
    return _times(mean, scale), _times(se, scale)


def total(values: Sequence[float]) -> float:
    """The sum, as an infinity rather than an error or a NaN where it leaves a float's range."""
    scale = max((abs(v) for v in values), default=0.0) or 1.0
    return _times(sum(v / scale for v in values), scale)


def _times(x: float, scale: float) -> float:
    return float(x) * float(scale)  # float * float gives inf past the range, never raises
