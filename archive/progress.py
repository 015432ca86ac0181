"""How far a run has come against its budget: each limit its config set, used and allowed,
the nearest of them, and an estimate of the time left. A mixin of ``Archive`` for the
dashboard and scripts (it reads what the budget counts: the search's metric calls, LLM
spend, GPU-seconds, iterations and running time)."""

from __future__ import annotations

from dataclasses import dataclass
from galapagos.archive.reads import ReadViews

# budget key -> the name a person reads
LIMITS = {"max_iterations": "iterations", "max_metric_calls": "metric calls",
          "max_llm_usd": "LLM dollars", "max_llm_tokens": "LLM tokens",
          "max_gpu_s": "GPU-seconds", "max_wall_s": "seconds"}


@dataclass(frozen=True)
class Limit:
    name: str
    used: float
    allowed: float

    @property
    def fraction(self) -> float:
        return 1.0 if self.allowed <= 0 else min(self.used / self.allowed, 1.0)

    def __str__(self) -> str:
        if self.name == "LLM dollars":
            return f"${self.used:.4f} of ${self.allowed:g}"
        return f"{self.name} {self.used:.0f} of {self.allowed:g}"


@dataclass(frozen=True)
class RunProgress:
    run_id: str
    status: str
    iterations: int
    elapsed_s: float
    best_val: float | None
    best_test: float | None     # known once the run has finished and scored its test split
    limits: tuple[Limit, ...]   # those the run's config set, in the order above

    @property
    def nearest(self) -> Limit | None:
        """The limit closest to stopping the run (the one the estimate follows)."""
        return max(self.limits, key=lambda k: k.fraction, default=None)

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far, while the run goes on and a limit is set."""
        near = self.nearest
        if self.status != "running" or near is None or not 0 < near.fraction < 1:
            return None
        return self.elapsed_s * (1 - near.fraction) / near.fraction


class ProgressViews(ReadViews):
    def run_progress(self, run_id: str) -> RunProgress:
        run = self.get_run(run_id)  # type: ignore[attr-defined]
        rid, summary = run["id"], run["summary"]
        live = self.live_progress(rid).get(rid, {})
        iterations = summary.get("iterations", live.get("iterations")) or 0
        elapsed = summary.get("elapsed_s", live.get("elapsed_s")) or 0.0
        usd, tokens = self.llm_spend(rid)
        used = {"max_iterations": iterations, "max_wall_s": elapsed, "max_llm_usd": usd,
                "max_llm_tokens": tokens, "max_metric_calls": self.metric_calls(rid, True),
                "max_gpu_s": self.gpu_seconds(rid, True)}
        budget = run["config"].get("budget", {})
        limits = tuple(Limit(name, used[key], budget[key]) for key, name in LIMITS.items()
                       if budget.get(key) is not None)
        best = summary.get("best")
        return RunProgress(rid, run["status"], iterations, elapsed,
                           summary.get("val", {}).get(best, live.get("best_val")),
                           summary.get("test", {}).get(best), limits)
