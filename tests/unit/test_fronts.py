"""Frontier kinds over the score and objectives with directions: what each front holds,
dominance with ties and several objectives, parent selection at the frequencies the
definition gives, and a resumed run that rebuilds the same frontier."""

import random
from collections import Counter

import pytest

from galapagos.archive import Archive, Frontier
from galapagos.orchestrator.fronts import Fronts
from galapagos.orchestrator.runner import resume_run, start_run
from galapagos.orchestrator.selectors.pareto import ParetoSelector
from tests.conftest import toy_config
from tests.unit.test_loop import snapshot

RESULTS = {"v1": (1.0, {"tokens": 120, "latency": 2.0}), "v2": (0.0, {"tokens": 80})}


def test_each_kind_holds_what_it_says():
    objs = {"tokens": "min", "latency": "max"}
    assert Fronts("instance", objs).entries(RESULTS) == {"v1": 1.0, "v2": 0.0}
    assert Fronts("objective", objs).entries(RESULTS) == {
        "@score": 0.5, "@tokens": -100.0, "@latency": 2.0}  # min negated; a mean over where given
    assert Fronts("hybrid", objs).entries(RESULTS) == {
        "v1": 1.0, "v2": 0.0, "@score": 0.5, "@tokens": -100.0, "@latency": 2.0}
    assert Fronts("cartesian", objs).entries(RESULTS) == {
        "v1@score": 1.0, "v1@tokens": -120, "v1@latency": 2.0, "v2@score": 0.0, "v2@tokens": -80}
    assert Fronts("objective", {}).entries(RESULTS) == {"@score": 0.5}


def frontier(kind, candidates, objectives=None):
    fronts, f = Fronts(kind, objectives or {"tokens": "min"}), Frontier()
    for cid, results in candidates.items():
        f.add(cid, fronts.entries(results), mean=sum(s for s, _ in results.values()) / 2)
    return f


LONG = {"a": (1.0, {"tokens": 300}), "b": (1.0, {"tokens": 300})}   # scores 1.0
SHORT = {"a": (1.0, {"tokens": 100}), "b": (0.0, {"tokens": 100})}  # scores 0.5, shorter
SAME_SHORT = {"a": (1.0, {"tokens": 100}), "b": (1.0, {"tokens": 100})}


def test_a_shorter_candidate_survives_beside_a_better_one_where_objectives_count():
    assert frontier("instance", {"long": LONG, "short": SHORT}).frequencies() == {"long": 2}
    for kind in ("objective", "hybrid", "cartesian"):
        freq = frontier(kind, {"long": LONG, "short": SHORT}).frequencies()
        assert set(freq) == {"long", "short"}, kind
    # the same score and shorter: the longer one is dominated wherever tokens count
    assert frontier("cartesian", {"long": LONG, "same": SAME_SHORT}).frequencies() == {
        "same": 4}
    assert frontier("objective", {"long": LONG, "same": SAME_SHORT}).frequencies() == {
        "same": 2}
    # a tie on every front: one survives (the weaker mean goes first, then the lower id)
    assert frontier("hybrid", {"x": SAME_SHORT, "y": SAME_SHORT}).frequencies() == {"y": 4}
    assert frontier("objective", {"x": SAME_SHORT}).best_candidate() == "x"


def test_the_best_is_the_score_whatever_the_kind():
    f = frontier("objective", {"long": LONG, "short": SHORT})
    assert f.best_candidate() == "long" and f.means == {"long": 1.0, "short": 0.5}


def test_selection_follows_the_frequencies():
    rng, pool = random.Random(3), ["long", "short", "mid"]
    f = frontier("hybrid", {"long": LONG, "short": SHORT,
                            "mid": {"a": (0.5, {"tokens": 200}), "b": (0.5, {"tokens": 50})}})
    freq = f.frequencies()
    picks = Counter(ParetoSelector().select(f, pool, rng) for _ in range(20000))
    total = sum(freq.values())
    for cid, n in freq.items():
        assert picks[cid] / 20000 == pytest.approx(n / total, abs=0.015)
    assert set(picks) == set(freq)


@pytest.mark.parametrize("kind", ["objective", "cartesian"])
def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path, kind):
    sel = {"frontier": kind}
    (tmp_path / "ref").mkdir()
    (tmp_path / "part").mkdir()
    ref = start_run(toy_config(tmp_path / "ref", selector=sel, budget={"max_iterations": 14}))
    part = start_run(toy_config(tmp_path / "part", selector=sel, budget={"max_iterations": 6}))
    resume_run(part.archive, part.run_id, {"budget.max_iterations": 14})
    a, b = snapshot(ref.archive, ref.run_id), snapshot(part.archive, part.run_id)
    assert a["candidates"] == b["candidates"] and a["best"] == b["best"]
    archive = Archive(ref.archive)
    run = archive.get_run(ref.run_id)
    rebuilt = Fronts(kind, {"chars": "min"}).rebuild(
        archive, run["task_key"], archive.pool(ref.run_id),
        {i: None for i in archive.frontier(ref.run_id, run["task_key"])}.keys())
    kept = archive.frontier_summary(ref.run_id)  # what the loop built, step by step
    assert rebuilt.leads() == kept.leads and rebuilt.best == kept.top
    assert any(k.startswith("@") or "@" in k for k in kept.top)


def test_show_lists_the_trade_off_front(tmp_path):
    from rich.console import Console

    from galapagos.orchestrator.report import run_facts, show_run

    out = start_run(toy_config(tmp_path, selector={"frontier": "hybrid"},
                               loop={"minibatches": "random"},  # a run where some are beaten
                               proposers={"demos": {"max_demos": 2}},  # (small steps)
                               budget={"max_iterations": 12}))
    a = Archive(out.archive)
    rows = run_facts(a, out.run_id)["tradeoffs"]
    assert out.summary["objectives"] == {"chars": "min"} and rows
    assert rows[0]["candidate"] == out.summary["best"] or \
        rows[0]["score"] == out.summary["val"][out.summary["best"]]
    run = a.get_run(out.run_id)
    points = {c: (sum(s for s, _ in r.values()) / len(r),
                  sum(o["chars"] for _, o in r.values()) / len(r))
              for c, r in a.val_results(run["task_key"], a.pool(out.run_id)).items()}

    def beaten(p):
        return any(q[0] >= p[0] and q[1] <= p[1] and q != p for q in points.values())
    front = {r["candidate"] for r in rows}
    assert front == {c for c, p in points.items() if not beaten(p)}
    assert out.summary["seed"] in front  # "nothing" is the shortest answer: it stays
    assert len(front) < len(points)  # and some candidates are beaten
    console = Console(record=True, width=140)
    console.print(show_run(a, out.run_id))
    text = console.export_text()
    assert "Trade-off front" in text and "chars (min)" in text


@pytest.mark.parametrize("kind", ["hybrid", "cartesian"])
def test_the_frontier_screen_shows_instances_whatever_the_kind(tmp_path, kind):
    from galapagos.ui import GalapagosApp
    from tests.unit.test_ui import drive, table

    out = start_run(toy_config(tmp_path, selector={"frontier": kind},
                               budget={"max_iterations": 6}))

    async def steps(pilot, app):
        await pilot.press("f")
        t = table(app, "#frontier")
        assert t.row_count == len(Archive(out.archive).pool(out.run_id))
        assert len(t.get_row_at(0)[4].plain) == 12  # the toy's val instances, no objectives
        assert "·" not in t.get_row_at(0)[4].plain

    drive(GalapagosApp(out.archive, out.run_id), steps)
