"""A warm pool of started containers per (image, limits) so that an evaluation costs one
job on a resident supervisor, not a container start. The supervisor resets a container
after each job (processes killed, every writable mount emptied, IPC objects removed); one
whose reset failed, or that misbehaved, is thrown away."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from galapagos.sandbox import containers



class WarmPool:
    def __init__(self, create: Callable[[Any], Any], max_idle: int = 4):
        self._create, self.max_idle = create, max_idle
        self._idle: dict[Any, list[Any]] = defaultdict(list)
        self._lock = threading.Lock()
        self.started = 0

    def acquire(self, key: Any, check: bool = False) -> Any:
        """A warm container for ``key`` (``check``: ask the engine that it still runs; the
        caller otherwise retries with a new one if the exec finds it gone)."""
        while True:
            with self._lock:
                container = self._idle[key].pop() if self._idle[key] else None
            if container is None:
                self.started += 1
                return self._create(key)
            if not check or containers.is_running(container):
                return container
            containers.remove(container)

    def release(self, key: Any, container: Any, healthy: bool) -> None:
        # healthy: the supervisor reported a complete reset after the job
        if healthy:
            with self._lock:
                if len(self._idle[key]) < self.max_idle:
                    self._idle[key].append(container)
                    return
        containers.remove(container)

    def drain(self) -> None:
        with self._lock:
            everything = [c for cs in self._idle.values() for c in cs]
            self._idle.clear()
        for c in everything:
            containers.remove(c)
