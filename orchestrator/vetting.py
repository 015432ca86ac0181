"""Checks on a proposed child before it is paid for, and the record of what was tried on
a parent and rejected (feedback for its next proposal)."""

from __future__ import annotations

from typing import Any

from galapagos.archive import Archive, Candidate
from galapagos.orchestrator.proposers.base import Attempt
from galapagos.orchestrator.proposers.edits import syntax_error, violation
from galapagos.tasks.protocol import Editable, ProgramTask


def vet(task: Any, editable: Editable | None, parent: Candidate, child: Candidate
        ) -> str | None:
    """For any proposer's program child: only what may change changed, changed Python
    files parse, and the task's smoke check passes. None, or the reason it fails."""
    if not (child.files or parent.files):
        return None
    changed = {p for p in child.files if child.files[p] != parent.files.get(p)}
    return (violation(editable or Editable(), parent.files, child.files)
            or syntax_error(child.files, changed)
            or (task.smoke(child.files) if isinstance(task, ProgramTask) else None))


def attempts(archive: Archive, run_id: str, cid: str, before: int) -> list[Attempt]:
    """What was tried on a parent and rejected in iterations before ``before`` (the same
    after a crash as in a run that never stopped)."""
    return [Attempt(r.note or r.proposer or "", r.reason, r.child, r.child_mb, r.parent_mb)
            for r in archive.iterations(run_id, parent=cid)
            if r.reason and r.iteration < before]
