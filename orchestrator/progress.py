"""The live progress display: a listener on the loop's events, never a caller of it."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from galapagos.orchestrator.config import BudgetConfig
from galapagos.archive.clean import clip
from galapagos.orchestrator.display import styled
from galapagos.orchestrator.events import (BestImproved, IterationEnded, RunEvent,
                                           RunFinished, SeedScored)


class ProgressDisplay:
    def __init__(self, console: Console, budget: BudgetConfig):
        self.console, self.budget = console, budget
        self.info: dict[str, Any] = {"run": "…", "iteration": 0, "best_val": None,
                                     "frontier": 1, "last": "evaluating the seed on val…"}
        total = budget.max_iterations
        self.progress = Progress(TextColumn("[bold]iterations"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}" if total else
                                            "{task.completed}"), TimeElapsedColumn(),
                                 console=console)
        self.bar = self.progress.add_task("iterations", total=total)
        self.live = Live(self._render(), console=console, refresh_per_second=4,
                         transient=False)

    def __enter__(self) -> "ProgressDisplay":
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)

    def __call__(self, event: RunEvent) -> None:
        self.info["run"] = event.run_id
        if isinstance(event, SeedScored):
            self.info.update(best_val=event.val, last=f"seed scored {event.val:.3f} on val")
        elif isinstance(event, IterationEnded):
            self.info.update(iteration=event.iteration, best_val=event.best_val,
                             frontier=event.frontier, metric_calls=event.metric_calls,
                             llm_usd=event.llm_usd, llm_tokens=event.llm_tokens,
                             gpu_s=event.gpu_s, last=describe_iteration(event))
            self.progress.update(self.bar, completed=event.iteration)
        elif isinstance(event, BestImproved):
            self.info["last"] = styled(self.info["last"], (f"  new best {event.val:.3f}",
                                                           "green"))
        elif isinstance(event, RunFinished):
            self.info["last"] = f"finished: {event.stop_reason}"
        self.live.update(self._render())

    def _render(self) -> Group:
        i, b = self.info, self.budget
        t = Table.grid(padding=(0, 2))
        t.add_column(style="dim")
        t.add_column()
        best = "-" if i["best_val"] is None else f"{i['best_val']:.3f}"
        t.add_row("run", str(i["run"]))
        t.add_row("best val", best)
        t.add_row("frontier", str(i.get("frontier", 1)))
        t.add_row("metric calls", _of(i.get("metric_calls", 0), b.max_metric_calls))
        t.add_row("LLM spend", f"${i.get('llm_usd') or 0:.4f}"
                  f"{'' if b.max_llm_usd is None else f' of ${b.max_llm_usd:.2f}'}, "
                  f"{_of(i.get('llm_tokens') or 0, b.max_llm_tokens)} tokens")
        if i.get("gpu_s") or b.max_gpu_s is not None:
            t.add_row("GPU-seconds", _of(f"{i.get('gpu_s') or 0:.1f}", b.max_gpu_s))
        t.add_row("last", i["last"])
        return Group(self.progress, t)


def _of(used: Any, limit: Any) -> str:
    return f"{used}" if limit is None else f"{used} of {limit}"


def describe_iteration(event: IterationEnded) -> Text:
    head = f"#{event.iteration} {event.proposer or '?'}: "
    if event.outcome == "accepted":
        return styled(head, ("accepted", "green"), f" (val {event.val or 0:.3f})")
    if event.outcome == "failed":
        return styled(head, ("failed", "red"), f" ({clip(event.error, 80)})")
    if event.outcome == "resampled":  # CARBS scored a front member again: no child
        return styled(head, f"resampled ({clip(event.note, 80)})")
    return styled(head, f"rejected ({event.reason})")


class LineProgress:
    """Progress for a pipe or a log: a line per seed, iteration and finish, flushed as it
    happens (a live display there would print nothing until the run ends). ``as_json``:
    one JSON object per event instead, for scripts."""

    def __init__(self, console: Console, budget: BudgetConfig, as_json: bool = False):
        self.console, self.budget, self.as_json = console, budget, as_json

    def __call__(self, event: RunEvent) -> None:
        if self.as_json:
            line = json.dumps({"event": event.kind, "run": event.run_id,
                               "iteration": event.iteration, **event.data()}, default=str)
            self.console.file.write(line + "\n")
        elif text := self._line(event):
            self.console.print(text, soft_wrap=True)
        self.console.file.flush()

    def _line(self, event: RunEvent) -> Text | None:
        if isinstance(event, SeedScored):
            return styled(f"{event.run_id}: seed scored {event.val:.3f} on val")
        if isinstance(event, IterationEnded):
            total = self.budget.max_iterations
            head = f"iteration {event.iteration}{f' of {total}' if total else ''}: "
            return styled(head, describe_iteration(event), f"; best val {event.best_val:.3f}, "
                          f"{_of(event.metric_calls, self.budget.max_metric_calls)} "
                          f"metric calls, {event.elapsed_s:.0f} s")
        if isinstance(event, RunFinished):
            return styled(f"finished: {event.stop_reason}")
        return None
