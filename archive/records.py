"""Plain records the archive stores and returns, and the content hash of a candidate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def candidate_id(components: dict[str, str]) -> str:
    """Content address: the same components always give the same id, in any process."""
    blob = json.dumps(components, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class Candidate:
    components: dict[str, str]
    parents: tuple[str, ...] = ()
    proposer: str = "seed"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return candidate_id(self.components)


@dataclass
class Evaluation:
    candidate_id: str
    instance_id: str
    split: str
    score: float
    output: str = ""
    feedback: str = ""
    trace: Any = None
    objectives: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0
