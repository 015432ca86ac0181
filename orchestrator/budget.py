"""The one stop decision. Every rule that ends a run lives in ``Budget.stop_reason`` and
yields its one reason string; nothing else decides to stop.

It is asked in two places: at the gate between iterations (every rule), and before each
paid step inside an iteration (``between_iterations=False``: only the resources a step
spends: metric calls, LLM dollars and tokens, GPU-seconds), so a run overshoots by at most
one batch.
A stop inside an iteration remembers the step, and ``resume`` with more budget finishes
that iteration first."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from galapagos.archive import Archive
from galapagos.orchestrator.config import BudgetConfig


class OutOfBudget(Exception):
    """Internal: a paid step found the budget spent; carries the decision's reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Usage:
    iterations: int
    metric_calls: int
    llm_usd: float
    llm_tokens: int
    elapsed_s: float
    since_improvement: int
    gpu_s: float = 0.0
    best_val: float | None = None
    idle: int = 0              # iterations in a row that tried no new candidate
    cost: float = 0.0          # budget.cost summed over the search's evaluations


class Budget:
    def __init__(self, cfg: BudgetConfig, stop_file: Path, archive: Archive, run_id: str,
                 kept_calls: int = 0, perfect: float | None = None):
        """``kept_calls``: metric calls the search leaves for the final choice to spend;
        ``perfect``: the task's perfect mean score, if it declares one."""
        self.cfg, self.stop_file, self.archive, self.run_id = cfg, stop_file, archive, run_id
        self.kept_calls, self.perfect = kept_calls, perfect
        self._clock: tuple[float, float] | None = None

    def clock(self, elapsed_s: float) -> None:
        """A step starts with ``elapsed_s`` of the run's time spent: the wall-clock rule can
        then be asked while the step runs (``wall_out``)."""
        self._clock = (time.monotonic(), elapsed_s)

    def wall_out(self) -> OutOfBudget | None:
        """The wall-clock budget, spent in the middle of a step: an evaluation that will not
        return must not hold the run past it."""
        limit = self.cfg.max_wall_s
        if limit is None or self._clock is None:
            return None
        used = self._clock[1] + time.monotonic() - self._clock[0]
        return OutOfBudget(f"budget: wall-clock seconds ({_fmt(used)} of {_fmt(limit)})"
                           ) if used >= limit else None

    def usage(self, iterations: int = 0, elapsed_s: float = 0.0,
              since_improvement: int = 0, best_val: float | None = None) -> Usage:
        """What the run has spent, from the archive (the search's metric calls only)."""
        usd, tokens = self.archive.llm_spend(self.run_id)
        return Usage(iterations, self.archive.metric_calls(self.run_id, search_only=True), usd,
                     tokens, elapsed_s, since_improvement,
                     self.archive.gpu_seconds(self.run_id, search_only=True), best_val,
                     iterations - self.archive.last_new_child(self.run_id),
                     self.archive.objective_total(self.run_id, self.cfg.cost, True)
                     if self.cfg.max_cost is not None else 0.0)

    def spent(self) -> str | None:
        """The decision inside an iteration (the guard of paid steps): what a step spends."""
        return self.stop_reason(self.usage(), between_iterations=False)

    def stop_reason(self, u: Usage, *, between_iterations: bool = True) -> str | None:
        c = self.cfg
        calls = None if c.max_metric_calls is None else c.max_metric_calls - self.kept_calls
        spent = [(calls, u.metric_calls, "metric calls"),
                 (c.max_llm_usd, u.llm_usd, "LLM dollars"),
                 (c.max_llm_tokens, u.llm_tokens, "LLM tokens"),
                 (c.max_gpu_s, u.gpu_s, "GPU-seconds"),
                 (c.max_cost, u.cost, f"cost ({c.cost})")]
        progress = [(c.max_iterations, u.iterations, "iterations"),
                    (c.max_wall_s, u.elapsed_s, "wall-clock seconds"),
                    (c.patience, u.since_improvement, "iterations without improvement"),
                    (c.max_idle_iterations, u.idle, "iterations in a row with no new "
                     "candidate (the proposers repeat themselves or fail)")]
        for limit, used, what in spent + (progress if between_iterations else []):
            if limit is not None and used >= limit:
                kept = (f", {self.kept_calls} more kept for the final recheck"
                        if what == "metric calls" and self.kept_calls else "")
                return f"budget: {what} ({_fmt(used)} of {_fmt(limit)}{kept})"
        if between_iterations and self._perfect(u):
            return (f"val is perfect ({u.best_val:.3f}): no child can beat it "
                    "(budget.stop_at_perfect = false goes on)")
        if between_iterations and self.stop_file.exists():
            return f"stop file {self.stop_file}"
        return None


    def _perfect(self, u: Usage) -> bool:
        return (self.cfg.stop_at_perfect and self.perfect is not None
                and u.best_val is not None and u.best_val >= self.perfect - 1e-9)


def _fmt(x: float) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)
