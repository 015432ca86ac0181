"""Which evaluation the current thread works for: the evaluator sets it around a task's
``evaluate``, and every LLM call made under it is recorded with the candidate and the
instance it served (so an evaluation's calls, and a candidate's cost, can be read back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_serving: ContextVar[dict[str, str] | None] = ContextVar("galapagos_serving", default=None)


@contextmanager
def evaluation(candidate_id: str, instance_id: str) -> Iterator[None]:
    token = _serving.set({"candidate_id": candidate_id, "instance_id": instance_id})
    try:
        yield
    finally:
        _serving.reset(token)


def serving() -> dict[str, str]:
    """``{"candidate_id", "instance_id"}`` of the evaluation in progress, or ``{}``."""
    return dict(_serving.get() or {})
