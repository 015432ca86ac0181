"""Removing leftover sandbox containers. Every container carries the owner's host, pid and
process start time; at start-up we remove those whose owner is gone (so a ``kill -9`` of an
orchestrator leaks nothing past the next start), and at exit our own."""

from __future__ import annotations

import os
import socket
from typing import Any

LABEL = "galapagos.sandbox"
OWNER = "galapagos.owner"


def process_start(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def owner_label(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}"


def owner_alive(label: str) -> bool:
    host, _, rest = label.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname():
        return True  # another machine's: not ours to judge
    return pid.isdigit() and process_start(int(pid)) == started != ""


def ours(client: Any) -> list[Any]:
    return client.containers.list(all=True, filters={"label": LABEL})


def reap(client: Any, *, only_owner: str | None = None) -> int:
    """Remove orphaned sandbox containers (or, with only_owner, that owner's); return how many."""
    removed = 0
    for c in ours(client):
        owner = c.labels.get(OWNER, "")
        doomed = owner == only_owner if only_owner else not owner_alive(owner)
        if doomed:
            try:
                c.remove(force=True)
                removed += 1
            except Exception:  # noqa: BLE001 - already gone
                pass
    return removed
