"""MLGym's summary across training tasks, as we read it (Dolan and Moré's performance
profiles): for a method m on task t with score s (higher is better), its log ratio to the
best method there, r = log10(best_t / s); a method that failed a task (no score, or 0)
gets (1 + eps) times the largest ratio any method reached. The profile rho_m(tau) is the
share of tasks with r <= tau, and AUP_m is its area for tau from 0 to that failure ratio:
1 x tau_max for a method best everywhere, 0 for one that failed everywhere."""

from __future__ import annotations

import math
from collections.abc import Mapping

Scores = Mapping[str, Mapping[str, float | None]]  # method -> task -> score


def log_ratios(scores: Scores, eps: float = 0.05) -> tuple[dict[str, dict[str, float]], float]:
    """Per method and task, r; and tau_max, the failure ratio."""
    tasks = sorted({t for per in scores.values() for t in per})
    best = {t: max((s for per in scores.values() if (s := per.get(t)) and s > 0), default=0.0)
            for t in tasks}
    raw = {m: {t: (math.log10(best[t] / s) if (s := per.get(t)) and s > 0 else math.inf)
               for t in tasks} for m, per in scores.items()}
    finite = [r for per in raw.values() for r in per.values() if math.isfinite(r)]
    tau_max = math.log10((1 + eps) * 10 ** max(finite, default=0.0))
    return {m: {t: min(r, tau_max) for t, r in per.items()} for m, per in raw.items()}, tau_max


def profile(scores: Scores, tau: float, eps: float = 0.05) -> dict[str, float]:
    """rho_m(tau): the share of tasks where method m is within 10**tau of the best."""
    ratios, _ = log_ratios(scores, eps)
    return {m: sum(r <= tau for r in per.values()) / max(len(per), 1)
            for m, per in ratios.items()}


def aup(scores: Scores, eps: float = 0.05) -> dict[str, float]:
    """The area under each method's profile, tau from 0 to tau_max."""
    ratios, tau_max = log_ratios(scores, eps)
    return {m: sum(tau_max - r for r in per.values()) / max(len(per), 1)
            for m, per in ratios.items()}
