"""Budget and stop rules, checked before each iteration's work starts (and before each
evaluation batch for metric calls), so a run overshoots by at most one batch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from galapagos.orchestrator.config import BudgetConfig


class OutOfBudget(Exception):
    """Internal: raised by the evaluator between batches; the loop turns it into a stop."""


@dataclass
class Usage:
    iterations: int
    metric_calls: int
    llm_usd: float
    llm_tokens: int
    elapsed_s: float
    since_improvement: int


class Budget:
    def __init__(self, cfg: BudgetConfig, stop_file: Path):
        self.cfg, self.stop_file = cfg, stop_file

    def stop_reason(self, u: Usage) -> str | None:
        c = self.cfg
        checks = [
            (c.max_iterations, u.iterations, "iterations"),
            (c.max_metric_calls, u.metric_calls, "metric calls"),
            (c.max_llm_usd, u.llm_usd, "LLM dollars"),
            (c.max_llm_tokens, u.llm_tokens, "LLM tokens"),
            (c.max_wall_s, u.elapsed_s, "wall-clock seconds"),
            (c.patience, u.since_improvement, "iterations without improvement"),
        ]
        for limit, used, what in checks:
            if limit is not None and used >= limit:
                return f"budget: {what} ({_fmt(used)} of {_fmt(limit)})"
        if self.stop_file.exists():
            return f"stop file {self.stop_file}"
        return None

    def metric_calls_left(self, used: int) -> int | None:
        m = self.cfg.max_metric_calls
        return None if m is None else m - used


def _fmt(x: float) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)
