"""Handing out GPUs so that parallel evaluations never share one (unless told to)."""

from __future__ import annotations

import shutil
import subprocess
import threading

from galapagos.errors import GPUUnavailable


def visible_gpus() -> list[str]:
    """GPU indices nvidia-smi reports on this host ([] where there is none)."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] \
        if out.returncode == 0 else []


class GPUAllocator:
    def __init__(self, devices: list[str], share: bool = False):
        self.devices, self.share = list(devices), share
        self.busy: set[str] = set()
        self._cond = threading.Condition()

    def acquire(self, n: int, timeout: float | None = None) -> list[str]:
        if n <= 0:
            return []
        if n > len(self.devices):
            raise GPUUnavailable(
                f"This run asks for {n} GPU(s) but {len(self.devices)} are visible here "
                "(`galapagos sandbox doctor` shows what is found). Run it on a machine with "
                "GPUs, lower the task's `gpus`, or set `allow_cpu_fallback = true` if the task "
                "can run on the CPU.")
        if self.share:
            return self.devices[:n]
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.free()) >= n, timeout=timeout):
                raise GPUUnavailable(f"No {n} free GPU(s) within {timeout} s.")
            chosen = self.free()[:n]
            self.busy.update(chosen)
            return chosen

    def free(self) -> list[str]:
        return [d for d in self.devices if d not in self.busy]

    def release(self, ids: list[str]) -> None:
        with self._cond:
            self.busy.difference_update(ids)
            self._cond.notify_all()
