"""Plain records the archive stores and returns, and the content hash of a candidate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from galapagos.archive import clean


def candidate_id(components: dict[str, str], files: dict[str, str] | None = None) -> str:
    """Content address: the same components and files always give the same id, in any
    process (a prompt candidate's id is what it always was)."""
    if files:
        tree = {p: blob_hash(text.encode()) for p, text in files.items()}
        blob = json.dumps({"components": components, "files": tree}, sort_keys=True,
                          ensure_ascii=False).encode()
    else:
        blob = json.dumps(components, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def blob_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Candidate:
    """Text components ``{name: text}`` (prompts) and/or a tree of files ``{path: text}``
    (a program). A task is handed both in one mapping (``view``); their names never clash."""

    components: dict[str, str]
    parents: tuple[str, ...] = ()
    proposer: str = "seed"
    meta: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Text that cannot be stored (a lone surrogate, from a JSON escape or a file name
        that is not UTF-8) is replaced here, so the id is the stored content's."""
        for name in ("components", "files"):
            value = getattr(self, name)
            object.__setattr__(self, name, {clean.text(str(k)): clean.text(str(v))
                                            for k, v in value.items()})

    @property
    def id(self) -> str:
        return candidate_id(self.components, self.files)

    def view(self) -> dict[str, str]:
        return {**self.components, **self.files}


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
