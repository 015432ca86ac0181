"""Meta-candidates: the reflection templates a self-improving proposer (STOP) evolves,
kept per run with their lineage. A mixin of ``Archive``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class MetaRecord:
    id: str
    template: str
    read: str              # how its answer is read: "fenced" or "line"
    parent: str | None     # the meta-candidate it was made from
    iteration: int         # the iteration that made it (0: a built-in)


class MetaViews:
    db: Any  # Archive's

    def add_meta_prompt(self, run_id: str, rec: MetaRecord) -> None:
        """Record a meta-candidate once (a re-run iteration writes the same one again)."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute(
                "insert or ignore into meta_prompts(run_id, id, template, read, parent, "
                "iteration, created_at) values (?,?,?,?,?,?,?)",
                [run_id, rec.id, rec.template, rec.read, rec.parent, rec.iteration,
                 datetime.now(timezone.utc).isoformat()])

    def meta_prompts(self, run_id: str, before: int | None = None) -> list[MetaRecord]:
        """A run's meta-candidates in the order they were made (``before``: made by an
        earlier iteration, so a re-run iteration sees what it saw the first time)."""
        rows = self.db.execute(
            "select id, template, read, parent, iteration from meta_prompts where run_id = ? "
            "and iteration < ? order by iteration, rowid",
            [run_id, 10**12 if before is None else before]).fetchall()
        return [MetaRecord(*r) for r in rows]
