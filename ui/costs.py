"""A CARBS run's score-cost front (``c`` on a run): every candidate scored on train as a
point (its mean train score against its mean cost), the front drawn and listed with the
knob values CARBS gave each member."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from textual.widgets import Static

from galapagos.archive.frontier import cost_front
from galapagos.ui.scatter import scatter
from galapagos.ui.views import RunView


class CostFrontScreen(RunView):
    def body(self) -> Any:
        return Static(id="costs")

    def on_mount(self) -> None:
        self.shown = self.render_front()
        self.query_one("#costs", Static).update(self.shown)

    def render_front(self) -> Any:
        archive = self.app.archive  # type: ignore[attr-defined]
        run = archive.get_run(self.run_id)
        proposers = run["config"].get("proposers", {})
        if "carbs" not in proposers.get("use", []):
            return "This run tuned no knobs: its proposers.use has no carbs."
        cost = proposers.get("carbs", {}).get("cost", "duration_s")
        rows = sorted(archive.train_outcomes(self.run_id, cost).items())
        points = [(c or 0.0, s, failed) for _, (s, c, failed) in rows]
        ok = [i for i, p in enumerate(points) if not p[2]]
        front = [ok[i] for i in cost_front([points[i][:2] for i in ok])]
        self.sub_title = (f"{len(front)} on the front of {len(points)} scored, "
                          f"{len(points) - len(ok)} failed; cost: {cost}")
        return Group(scatter(points, set(front)), self._table(archive, rows, front))

    def _table(self, archive: Any, rows: list[Any], front: list[int]) -> Table:
        knobs = [archive.get_candidate(rows[i][0]).meta.get("knobs", {}) for i in front]
        names = sorted({n for k in knobs for n in k})
        table = Table(title="the front, cheapest first")
        for col in ("candidate", "cost", "train score", *names):
            table.add_column(col, justify="right")
        for i, k in zip(front, knobs, strict=True):
            cid, (score, c, _) = rows[i]
            table.add_row(cid[:12], f"{c:.4g}", f"{score:.4f}",
                          *(f"{k[n]:.4g}" if n in k else "-" for n in names))
        return table
