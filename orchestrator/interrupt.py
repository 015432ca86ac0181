"""Ctrl-C handling: the first SIGINT (or SIGTERM, as ``timeout`` and service managers send,
or SIGHUP, a closed terminal) asks the loop to stop at its next safe point (between two
evaluations, or before the next iteration); a second one stops at once, abandoning any
evaluation still in progress (``hard``). Either way the run is marked interrupted and its
containers are removed."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from galapagos.errors import Interrupted

# Ctrl-C; what `timeout` and service managers send; a closed terminal (its default would
# end the process before the run could be marked interrupted)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class InterruptFlag:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._hard = threading.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def hard(self) -> bool:
        """A second Ctrl-C came: stop now, abandoning evaluations still in progress."""
        return self._hard.is_set()

    def stop_now(self) -> None:
        self._event.set()
        self._hard.set()

    def check(self) -> None:
        if self._event.is_set():
            raise Interrupted("Interrupted by Ctrl-C at a safe point.")

    @contextmanager
    def on_sigint(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self._event.is_set():
                self.stop_now()
                raise KeyboardInterrupt
            self._event.set()

        previous = {s: signal.signal(s, handler) for s in SIGNALS}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
