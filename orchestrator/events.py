"""The bus that hands the loop's typed events (``galapagos.archive.events``: one frozen
dataclass per kind) to listeners: the progress display, trackers, a Python caller's
callbacks. Each event is also written once to the archive's ``events`` table, where the UI
reads it back typed; listeners never call into the loop."""

from __future__ import annotations

import logging
from collections.abc import Callable

from galapagos.archive.events import (BestImproved, IterationEnded, RunEvent, RunFinished,
                                      SeedScored)

log = logging.getLogger("galapagos")
Listener = Callable[[RunEvent], None]
__all__ = ["BestImproved", "EventBus", "IterationEnded", "Listener", "RunEvent",
           "RunFinished", "SeedScored"]


class EventBus:
    """A listener that raises never stops a run: the error is logged (once per listener)
    and the run goes on without waiting for it."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self.failed: set[int] = set()

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def publish(self, event: RunEvent) -> None:
        for listener in self.listeners:
            try:
                listener(event)
            except Exception as exc:  # noqa: BLE001 - a listener is never the run's problem
                if id(listener) not in self.failed:
                    self.failed.add(id(listener))
                    log.warning("event listener %r failed on %s (%s: %s); the run goes on",
                                listener, event.kind, type(exc).__name__, exc)

