"""Typed events the loop emits. Each is written once to the archive's ``events`` table and
handed to listeners (the progress display now, the TUI later); listeners never call into
the loop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("galapagos")


@dataclass(frozen=True)
class Event:
    kind: str
    run_id: str
    iteration: int
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventBus:
    """A listener that raises never stops a run: the error is logged (once per listener)
    and the run goes on without waiting for it."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self.failed: set[int] = set()

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def publish(self, event: Event) -> None:
        for listener in self.listeners:
            try:
                listener(event)
            except Exception as exc:  # noqa: BLE001 - a listener is never the run's problem
                if id(listener) not in self.failed:
                    self.failed.add(id(listener))
                    log.warning("event listener %r failed on %s (%s: %s); the run goes on",
                                listener, event.kind, type(exc).__name__, exc)

