"""Telling the sandbox's own trouble from the candidate's: the first is an infrastructure
fault (raised as ``SandboxError``: the loop retries it and never stores a score), the
second is the candidate's result, which its task turns into a score."""

from __future__ import annotations

from typing import TypeVar

from galapagos.errors import SandboxError

R = TypeVar("R")


def checked(result: R, what: str) -> R:
    """``result`` (a ``RunResult``) when the sandbox itself ran; else raise, naming ``what``
    it was doing ("smoke-testing the agent", "during the grading run")."""
    error = getattr(result, "error", None)
    if error:
        raise SandboxError(f"The sandbox failed {what}: {error}")
    return result
