"""A call that cannot hold the run: a task's ``evaluate`` (or an LLM call) runs on a thread
of its own while the calling thread waits, looking every tenth of a second whether the
deadline has passed or the run must stop (a second Ctrl-C, the wall-clock budget). Python
cannot kill a thread: one that never returns is left behind as a daemon thread, which does
not keep the process alive, and its result, should it ever come, is dropped. Like
``galapagos.errors``, this module imports nothing of ours, so every layer may use it."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_S = 0.1


class Overdue(Exception):
    """Internal: the call ran past its deadline."""


def call_within(fn: Callable[[], T], seconds: float | None,
                abort: Callable[[], BaseException | None] = lambda: None,
                name: str = "evaluation") -> T:
    """``fn()``'s value (or what it raised); ``Overdue`` past ``seconds``; whatever
    ``abort`` returns, raised, as soon as it returns one."""
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()
    context = contextvars.copy_context()  # the caller's evaluation scope goes along

    def target() -> None:
        try:
            outcome.append((True, context.run(fn)))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=target, name=f"galapagos {name}", daemon=True).start()
    deadline = None if seconds is None else time.monotonic() + seconds
    while not done.wait(POLL_S if deadline is None
                        else max(0.0, min(POLL_S, deadline - time.monotonic()))):
        if (stop := abort()) is not None:
            raise stop
        if deadline is not None and time.monotonic() >= deadline:
            raise Overdue(f"did not return within {seconds:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value  # type: ignore[misc]  # an exception, by the flag
    return value  # type: ignore[return-value]  # fn's value, by the flag
