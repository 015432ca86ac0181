"""Typed events the loop emits. Each is written once to the archive's ``events`` table and
handed to listeners (the progress display now, the TUI later); listeners never call into
the loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    kind: str
    run_id: str
    iteration: int
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self.listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def publish(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

