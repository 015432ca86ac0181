"""A run's frontier kept as a summary beside the scores it is made of: the loop writes it
when a candidate joins the pool, and readers (the UI, reports) take it in one row instead
of scanning every val score of the run. A mixin of ``Archive``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from galapagos.archive.frontier import Frontier


@dataclass(frozen=True)
class FrontierSummary:
    top: dict[str, float]    # val instance -> the best score any pool member reaches there
    leads: dict[str, int]    # candidate -> on how many instances it is among the best
    means: dict[str, float]  # candidate -> its val mean


class SummaryViews:
    db: Any  # Archive's

    def save_frontier(self, run_id: str, frontier: Frontier) -> None:
        data = json.dumps({"top": frontier.best, "leads": frontier.leads(),
                           "means": frontier.means})
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute(
                "insert into frontier_summaries(run_id, data, updated_at) values (?, ?, ?) "
                "on conflict(run_id) do update set data = excluded.data, "
                "updated_at = excluded.updated_at",
                [run_id, data, datetime.now(timezone.utc).isoformat()])

    def frontier_summary(self, run_id: str) -> FrontierSummary:
        """The summary the loop wrote; for a run made before summaries, one computed from
        the scores (a scan of every val score of the run: slow on a big archive)."""
        row = self.db.execute("select data from frontier_summaries where run_id = ?",
                              [run_id]).fetchone()
        if row is not None:
            return FrontierSummary(**json.loads(row[0]))
        key = self.get_run(run_id)["task_key"]  # type: ignore[attr-defined]
        fronts = self.frontier(run_id, key)  # type: ignore[attr-defined]
        leads: dict[str, int] = {}
        for _, ids in fronts.values():
            for cid in ids:
                leads[cid] = leads.get(cid, 0) + 1
        return FrontierSummary(top={i: top for i, (top, _) in fronts.items()}, leads=leads,
                               means=self.val_means(key, run_id))  # type: ignore[attr-defined]
