"""Checks on a proposed child before it is paid for, and the record of what was tried on
a parent and rejected (feedback for its next proposal)."""

from __future__ import annotations

from typing import Any

from galapagos.archive import Archive, Candidate
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


def attempts(archive: Archive, run_id: str, cid: str, before: int) -> list[str]:
    """What was tried on a parent and rejected in iterations before ``before`` (the same
    after a crash as in a run that never stopped)."""
    tried = []
    for r in archive.iterations(run_id, parent=cid):
        if r.reason and r.iteration < before:
            scores = (f" (minibatch {r.child_mb:g} against the parent's "
                      f"{r.parent_mb or 0:g})" if r.child_mb is not None else "")
            tried.append(f"{r.note or r.proposer}: {r.reason}{scores}")
    return tried
