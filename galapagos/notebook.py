"""Progress for a run started from Python: in Jupyter, one HTML block updated in place
(no terminal escapes in a cell's output); in a terminal, the CLI's live display; in a
pipe or a log, nothing unless asked for (then a line per iteration)."""

from __future__ import annotations

import html
import sys
from typing import Any

from galapagos.orchestrator.config import BudgetConfig
from galapagos.orchestrator.events import (BestImproved, IterationEnded, RunEvent,
                                           RunFinished, SeedScored)


def in_jupyter() -> bool:
    """Is this a Jupyter kernel (where output is a cell's, not a terminal's)?"""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    return bool(get and type(get()).__name__ == "ZMQInteractiveShell")


def progress_listener(wanted: bool | None, budget: BudgetConfig) -> Any:
    """A listener that is also a context manager, or None (``wanted`` None: where seen)."""
    from rich.console import Console

    if wanted is False:
        return None
    if in_jupyter():
        return NotebookProgress(budget)
    console = Console(stderr=True)
    if console.is_terminal:
        from galapagos.orchestrator.progress import ProgressDisplay

        return ProgressDisplay(console, budget)
    if wanted:
        from galapagos.orchestrator.progress import LineProgress

        return _Lines(LineProgress(console, budget))
    return None


class _Lines:
    def __init__(self, lines: Any):
        self.lines = lines

    def __call__(self, event: RunEvent) -> None:
        self.lines(event)

    def __enter__(self) -> "_Lines":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


class NotebookProgress:
    """A cell's progress: one line (iteration, best val, metric calls, the last step)."""

    def __init__(self, budget: BudgetConfig):
        self.budget, self.handle = budget, None
        self.state: dict[str, Any] = {"run": "…", "iteration": 0, "best": None, "calls": 0,
                                      "last": "evaluating the seed on val…"}

    def __enter__(self) -> "NotebookProgress":
        from IPython.display import HTML, display

        self.handle = display(HTML(self.render()), display_id=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._show()

    def __call__(self, event: RunEvent) -> None:
        from galapagos.orchestrator.progress import describe_iteration

        s = self.state
        s["run"] = event.run_id
        if isinstance(event, SeedScored):
            s.update(best=event.val, last=f"seed scored {event.val:.3f} on val")
        elif isinstance(event, IterationEnded):
            s.update(iteration=event.iteration, best=event.best_val,
                     calls=event.metric_calls, last=describe_iteration(event).plain)
        elif isinstance(event, BestImproved):
            s["last"] += f" — new best {event.val:.3f}"
        elif isinstance(event, RunFinished):
            s["last"] = f"finished: {event.stop_reason}"
        self._show()

    def _show(self) -> None:
        if self.handle is not None:
            from IPython.display import HTML

            self.handle.update(HTML(self.render()))

    def render(self) -> str:
        s, b = self.state, self.budget
        of = lambda n, limit: f"{n} of {limit}" if limit else f"{n}"  # noqa: E731
        best = "-" if s["best"] is None else f"{s['best']:.3f}"
        return (f"<div><b>{html.escape(s['run'])}</b> · iteration "
                f"{of(s['iteration'], b.max_iterations)} · best val {best} · metric calls "
                f"{of(s['calls'], b.max_metric_calls)}<br><small>{html.escape(s['last'])}"
                "</small></div>")
