"""What a CARBS run shows (``galapagos show RUN``; the UI's ``c`` shows the same front): the
score–cost front as a plot in the terminal and a table of its members' knobs, and each
knob's fitted relation to cost along the front ("LR ∝ cost^-0.31"), so a user can read how
to scale the recipe."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from galapagos.orchestrator.carbs.model import Observation
from galapagos.orchestrator.carbs.search import pareto_front, scaling
from galapagos.orchestrator.carbs.space import declared, knobs_in, values_in
from galapagos.ui.scatter import scatter


def front_view(archive: Any, run: dict[str, Any]) -> Group | None:
    """The run's front, or None when it tuned no knobs."""
    cfg = run["config"].get("proposers", {})
    if "carbs" not in cfg.get("use", []):
        return None
    points = observed(archive, run["id"], cfg.get("carbs", {}).get("cost", "duration_s"))
    if not points:
        return None
    obs = [o for o, _ in points]
    front = pareto_front(obs)
    knobs_of = {id(o): v for o, v in points}
    table = Table(title=f"score-cost front ({len(front)} of {len(obs)} evaluated, "
                        f"{sum(o.failed for o in obs)} failed)")
    names = sorted(points[0][1])
    for col in ("cost", "train score", *names):
        table.add_column(col, justify="right")
    for o in front:
        table.add_row(f"{o.cost:.4g}", f"{o.score:.4f}",
                      *(f"{knobs_of[id(o)][n]:.4g}" for n in names))
    on_front = {id(o) for o in front}
    shown = scatter([(o.cost, o.score, o.failed) for o in obs],
                    {i for i, o in enumerate(obs) if id(o) in on_front})
    return Group(shown, table, relations(front, [knobs_of[id(o)] for o in front],
                                                    run, archive))


def observed(archive: Any, run_id: str, cost: str
             ) -> list[tuple[Observation, dict[str, float]]]:
    out = []
    for cid, (score, c, failed) in sorted(archive.train_outcomes(run_id, cost).items()):
        candidate = archive.get_candidate(cid)
        files = declared(candidate.files, candidate.components)
        try:
            knobs = knobs_in(files)
        except Exception:  # noqa: BLE001 - a child whose declarations broke: not a point
            continue
        if knobs:
            out.append((Observation(np.zeros(0), score, max(float(c or 0), 1e-9), failed),
                        values_in(files, knobs)))
    return out


def relations(front: list[Observation], values: list[dict[str, float]], run: dict[str, Any],
              archive: Any) -> Text:
    c = archive.get_candidate(run["seed_candidate"]) if run.get("seed_candidate") else None
    seed = declared(c.files, c.components) if c else {}
    logs = {n for n, k in knobs_in(seed).items() if k.space == "log"} if seed else set()
    fit = scaling(front, values, logs)
    if not fit:
        return Text("(the front needs three members to fit how each knob scales with cost)")
    return Text("along the front: " + "; ".join(
        f"best {n} ∝ cost^{b:+.2f}" if n in logs else f"best {n} changes {b:+.3g} per "
        "e-fold of cost" for n, b in sorted(fit.items())))
