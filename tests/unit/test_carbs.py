"""CARBS (issue 24): knob declarations and their spaces, the Pareto front, the
acquisition's ranking, pending points, the failure model, and a run on the synthetic
scaling-law task that reaches the known front."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from galapagos.archive import Archive
from galapagos.errors import ConfigError
from galapagos.orchestrator.carbs.model import Observation, Surrogate
from galapagos.orchestrator.carbs.search import (Settings, expected_improvement,
                                                 front_value, pareto_front, scaling, suggest)
from galapagos.orchestrator.carbs.space import Knob, knobs_in, values_in, with_values
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.proposers.carbs import CarbsProposer
from galapagos.orchestrator.report import show_run
from galapagos.orchestrator.runner import start_run
from galapagos.tasks.scaling import _knobs, cost, true_score

PROGRAM = """import math

LR = 3e-3        # knob: log 1e-6..1
WIDTH = 64       # knob: log int 4..4096
DROP = 0.1       # knob: logit
MOM = 0.9        # knob: linear 0..0.99
"""


def test_declarations_read_with_their_spaces_bounds_and_centres():
    k = knobs_in({"train.py": PROGRAM, "notes.txt": "X = 1  # knob: log"})
    assert sorted(k) == ["DROP", "LR", "MOM", "WIDTH"]
    assert (k["LR"].space, k["LR"].low, k["LR"].high, k["LR"].center) == ("log", 1e-6, 1, 3e-3)
    assert k["WIDTH"].integer and not k["LR"].integer
    assert k["MOM"].scale == pytest.approx(0.99 / 4)


def test_transforms_round_trip_and_values_are_bounded_and_whole():
    k = knobs_in({"t.py": PROGRAM})
    assert k["LR"].to_basic(3e-3) == pytest.approx(math.log(3e-3))
    assert k["DROP"].to_basic(0.5) == 0 and k["DROP"].from_basic(0.0) == 0.5
    assert k["DROP"].from_basic(k["DROP"].to_basic(0.1)) == pytest.approx(0.1)
    assert k["MOM"].from_basic(k["MOM"].to_basic(0.5)) == pytest.approx(0.5)
    assert k["WIDTH"].from_basic(math.log(100.4)) == 100.0     # rounded
    assert k["WIDTH"].from_basic(math.log(1e6)) == 4096.0      # clipped to its bound
    assert k["LR"].from_basic(5.0) == 1.0
    assert k["WIDTH"].text(100.0) == "100" and k["LR"].text(0.00123456789) == "0.00123457"


def test_a_program_gets_new_values_with_its_declarations_kept():
    k = knobs_in({"t.py": PROGRAM})
    files = with_values({"t.py": PROGRAM}, k, {"LR": 0.01, "WIDTH": 128.0})
    assert "LR = 0.01  # knob: log 1e-6..1" in files["t.py"]
    assert values_in(files, k) == {"LR": 0.01, "WIDTH": 128.0, "DROP": 0.1, "MOM": 0.9}
    assert "import math" in files["t.py"]


@pytest.mark.parametrize("line, says", [
    ("P = 1.5  # knob: logit", "lies in \\(0, 1\\)"),
    ("P = 0.5  # knob: logit int", "cannot be an integer"),
    ("P = 9  # knob: linear 0..5", "outside its bounds"),
    ("P = 3  # knob: linear 5..1", "not below its high"),
    ("P = 0  # knob: log", "above 0"),
    ("P = 1  # knob: cubic", "linear, log or logit"),
    ("P = 1  # knob: log 1e-3to1", "cannot read"),
])
def test_a_bad_declaration_is_an_error_naming_the_knob(line, says):
    with pytest.raises(ConfigError, match=f"Knob 'P' \\(t.py\\).*{says}"):
        knobs_in({"t.py": line})


def test_a_knob_declared_twice_is_an_error():
    with pytest.raises(ConfigError, match="Knob 'LR' is declared twice"):
        knobs_in({"a.py": "LR = 1  # knob: log", "b.py": "LR = 2  # knob: log"})


def obs(cost_, score, failed=False, x=0.0):
    return Observation(np.array([x]), score, cost_, failed)


def test_the_pareto_front_keeps_what_nothing_cheaper_beats_and_never_a_failure():
    points = [obs(1, 0.5), obs(2, 0.4), obs(2, 0.7), obs(3, 0.9, failed=True), obs(4, 0.8),
              obs(0.5, 0.1)]
    assert [(o.cost, o.score) for o in pareto_front(points)] == [(0.5, 0.1), (1, 0.5),
                                                                  (2, 0.7), (4, 0.8)]


def test_the_front_value_at_a_cost_is_the_best_no_dearer_member():
    costs, values = np.array([1.0, 2.0, 4.0]), np.array([0.1, 0.5, 0.8])
    assert list(front_value(costs, values, np.array([0.5, 1.0, 3.0, 9.0]))) == \
        [0.1, 0.1, 0.5, 0.8]


def test_expected_improvement_ranks_by_mean_and_by_uncertainty():
    best = np.zeros(3)
    ei = expected_improvement(np.array([0.5, 0.0, 0.0]), np.array([0.1, 0.1, 1.0]), best)
    assert ei[0] == pytest.approx(0.5, abs=1e-3)             # sure improvement of 0.5
    assert ei[1] == pytest.approx(0.1 * 0.398942, rel=1e-4)  # sigma * phi(0)
    assert ei[2] > ei[1]                                      # more doubt, more to gain


def test_random_samples_come_first_around_the_centre():
    rng = random.Random(0)
    xs = [suggest(np.array([1.0, -2.0]), [], [], rng, Settings(radius=0.3)) for _ in range(200)]
    assert np.allclose(np.mean(xs, axis=0), [1.0, -2.0], atol=0.06)
    assert np.std(xs, axis=0) == pytest.approx([0.3, 0.3], rel=0.2)


def hill(x):
    return float(-(x - 1.0) ** 2)


def test_the_model_suggests_near_the_optimum_and_a_pending_point_moves_it_away():
    observations = [Observation(np.array([x]), hill(x), 1.0) for x in
                    (-1.0, -0.5, 0.0, 0.5, 1.5, 2.0)]
    first = suggest(np.array([0.0]), observations, [], random.Random(1),
                    Settings(radius=0.5, candidates=400))
    assert abs(first[0] - 1.0) < 0.35
    again = [suggest(np.array([0.0]), observations, [first], random.Random(s),
                     Settings(radius=0.5, candidates=400))[0] for s in range(6)]
    alone = [suggest(np.array([0.0]), observations, [], random.Random(s),
                     Settings(radius=0.5, candidates=400))[0] for s in range(6)]
    # believed already measured, the suggestion's own spot is worth less the second time
    assert np.mean(np.abs(np.array(again) - first[0])) > np.mean(np.abs(np.array(alone)
                                                                        - first[0]))


def test_the_failure_model_learns_where_evaluations_fail():
    observations = [Observation(np.array([x]), 0.5, 1.0, failed=x > 1.0)
                    for x in np.linspace(-2, 3, 12)]
    model = Surrogate(observations, seed=0)
    _, _, _, p = model.predict(np.array([[-1.5], [2.8]]))
    assert p[0] > 0.6 > 0.4 > p[1]


def test_each_knob_s_relation_to_cost_along_the_front():
    front = [obs(c, s) for c, s in ((1, 0.1), (math.e, 0.2), (math.e ** 2, 0.3))]
    values = [{"LR": 0.1}, {"LR": 0.1 * math.e ** -0.5}, {"LR": 0.1 * math.e ** -1.0}]
    assert scaling(front, values, {"LR"}) == {"LR": pytest.approx(-0.5)}


def carbs_config(tmp_path, **budget):
    return load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db"), "name": "carbs"},
        "task": {"name": "scaling"}, "llm": {"model": "fake/deterministic"},
        "proposers": {"use": ["carbs"], "carbs": {"cost": "cost"}},
        "loop": {"minibatch_size": 4, "acceptance": "non_decreasing"},
        "budget": {"max_iterations": 40, "max_idle_iterations": 10, **budget}})


def true_front(c):
    widths = np.exp(np.linspace(math.log(4), math.log(4096), 400))
    return max(true_score(w, c * 1e4 / w, 0.05 / math.sqrt(w)) for w in widths
               if 10 <= c * 1e4 / w <= 1e5)


def test_carbs_reaches_the_known_front_of_the_scaling_law(tmp_path):
    out = start_run(carbs_config(tmp_path))
    archive = Archive(out.archive)
    outcomes = archive.train_outcomes(out.run_id, "cost")
    gaps = []
    for cid, (_, c, failed) in outcomes.items():
        w, s, lr = _knobs(archive.get_candidate(cid).files)
        if not failed:
            assert c == pytest.approx(cost(w, s))
            gaps.append(true_front(c) - true_score(w, s, lr))
    seed_val = out.summary["val"][out.summary["seed"]]
    assert out.summary["val"][out.summary["best"]] > seed_val + 0.03
    assert sorted(gaps)[:3][-1] < 0.01  # three points within 0.01 of the true front
    assert len(outcomes) >= 35
    shown = render(show_run(archive, out.run_id))
    assert "score-cost front" in shown and "best LR ∝ cost^" in shown and "●" in shown


def render(renderable) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_the_acquisition_discounts_where_evaluations_fail():
    observations = [Observation(np.array([x]), hill(x), 1.0) for x in (-1.0, 0.0, 0.5, 1.0)]
    observations += [Observation(np.array([x]), 0.0, 1.0, failed=True) for x in (2.0, 2.5, 3)]
    model = Surrogate(observations, seed=0)
    front = pareto_front(observations)
    from galapagos.orchestrator.carbs.search import acquisition

    cands = np.array([[1.2], [2.6]])
    acq = acquisition(model, front, cands, Settings(exploration_bias=0.0))
    mean, std, _, p = model.predict(cands)
    best = model.to_output(np.array([front[-1].score]))
    ei = expected_improvement(mean, std, best)
    assert p[0] > 0.5 > p[1]                      # where runs fail, success is unlikely
    assert acq == pytest.approx(ei * p) and acq[1] < ei[1] * 0.5
    capped = acquisition(model, front, cands, Settings(max_cost=0.5))
    assert np.all(np.isneginf(capped))            # all predicted dearer than the cap


def test_the_exploration_bias_trades_a_small_sure_gain_for_an_uncertain_one():
    """The reference's exploration_bias (default 1): EI of the predicted output less the
    bias. Hand-computed, over a front worth 0 (in the model's units): a candidate sure to
    gain 0.5 is worth 0.5 without the bias and nothing with it; one predicted at 0 with a
    standard deviation of 1 is worth phi(0) = 0.399 without it and phi(1) - Phi(-1) =
    0.083 with it, so the bias flips their ranking."""
    from galapagos.orchestrator.carbs.search import acquisition

    class Predicted:  # the surrogate's predictions, fixed by hand
        def predict(self, cands):
            return (np.array([0.5, 0.0]), np.array([1e-9, 1.0]), np.array([1.0, 1.0]),
                    np.array([1.0, 1.0]))

        def to_output(self, scores):
            return scores

    front = [Observation(np.array([0.0]), 0.0, 1.0)]
    cands = np.zeros((2, 1))
    plain = acquisition(Predicted(), front, cands, Settings(exploration_bias=0.0))
    biased = acquisition(Predicted(), front, cands, Settings())
    assert plain == pytest.approx([0.5, 0.39894], abs=1e-4)
    assert biased == pytest.approx([0.0, 0.08332], abs=1e-4)


def test_a_diverging_setting_is_a_failure_the_model_sees_not_a_low_score(tmp_path):
    cfg = carbs_config(tmp_path, max_iterations=12)
    cfg.task.options["diverge"] = 1.0  # lr above its best diverges (the seed is at 0.48)
    out = start_run(cfg)
    archive = Archive(out.archive)
    proposer = CarbsProposer(archive, "cost")
    files = archive.get_candidate(out.summary["seed"]).files
    k = knobs_in(files)
    observations = proposer.observations(out.run_id, k, sorted(k))
    failed = [o for o in observations if o.failed]
    assert failed and len(failed) < len(observations)
    front = {id(o) for o in pareto_front(observations)}
    assert not any(id(o) in front for o in failed)
    assert proposer.observations(out.run_id, k, sorted(k))[0].x.shape == (3,)


def test_carbs_without_knobs_in_the_seed_is_a_config_error_before_the_run(tmp_path):
    cfg = carbs_config(tmp_path)
    cfg = cfg.model_copy(update={"task": cfg.task.model_copy(update={
        "name": "circles"})})
    with pytest.raises(ConfigError, match="declares no knobs"):
        start_run(cfg)
    assert not Archive(tmp_path / "a.db").list_runs()


def test_the_budget_stops_on_the_declared_cost(tmp_path):
    out = start_run(carbs_config(tmp_path, max_iterations=None, max_cost=30.0, cost="cost"))
    assert out.stop_reason.startswith("budget: cost (cost)")
    spent = Archive(out.archive).objective_total(out.run_id, "cost", search_only=True)
    assert 30.0 <= spent < 30.0 + 4 * 2.0  # at most one batch of four past the limit


def test_the_ui_shows_the_score_cost_front_of_a_carbs_run(tmp_path):
    """c on a run (listed by ?): the front as a plot and its members with their knobs."""
    import asyncio

    from textual.widgets import Static

    from galapagos.ui import GalapagosApp
    from galapagos.ui.screens import RunScreen

    out = start_run(carbs_config(tmp_path, max_iterations=10))
    app = GalapagosApp(out.archive)

    async def main():
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            app.push_screen(RunScreen(out.run_id))
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            assert app.screen.query_one("#costs", Static).is_mounted
            text = render(app.screen.shown)
            assert "●" in text and "the front, cheapest first" in text
            assert "LR" in text and "WIDTH" in text and "on the front of" in \
                app.screen.sub_title
    asyncio.run(main())


@pytest.mark.parametrize("on", [True, False])
def test_suggestions_in_one_flight_count_their_earlier_siblings_as_pending(
        tmp_path, monkeypatch, on):
    """in_flight = 3: CARBS drafts its flight's proposals in turn, each shown the children
    drafted before it (pending, Thompson-filled), and reads the archive only as it stood
    when the flight began; pending_siblings = false (what a run made before did) shows
    none."""
    seen, original = [], CarbsProposer.state

    def state(self, ctx, knobs, names):
        scored, pending = original(self, ctx, knobs, names)
        seen.append((ctx.iteration, ctx.since, len(ctx.siblings), len(pending)))
        return scored, pending
    monkeypatch.setattr(CarbsProposer, "state", state)
    cfg = carbs_config(tmp_path, max_iterations=15)
    cfg.loop.in_flight = 3
    cfg.proposers.carbs.pending_siblings = on
    start_run(cfg)
    assert [i for i, *_ in seen] == list(range(1, 16))
    assert [since for _, since, *_ in seen] == [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10,
                                                13, 13, 13]
    assert [sib for _, _, sib, _ in seen] == [0, 1, 2] * 5  # every draft made a child
    assert [p for *_, p in seen] == ([0, 1, 2] * 5 if on else [0] * 15)


def test_pending_siblings_change_the_later_suggestions_of_a_flight(tmp_path):
    """The same seeded run with and without siblings as pending: the random phase (which
    ignores pending points) is the same; once the model leads, the flights differ."""
    def children(on):
        cfg = carbs_config(tmp_path / str(on), max_iterations=15)
        cfg.loop.in_flight, cfg.proposers.carbs.pending_siblings = 3, on
        out = start_run(cfg)
        rows = Archive(out.archive).run_candidates(out.run_id)
        return [r["candidate_id"] for r in rows if r["proposer"] == "carbs"]
    with_, without = children(True), children(False)
    assert with_[:3] == without[:3] and with_ != without


def test_the_box_rounds_integer_knobs_and_masks_points_outside_or_taken():
    from galapagos.orchestrator.carbs.box import Box

    width = Knob("WIDTH", "log", 64.0, 8.0, 1024.0, integer=True)
    steps = Knob("STEPS", "linear", 100.0, 0.0, 400.0, integer=True)  # scale 100
    box = Box((width, steps))
    xs = np.array([[math.log(2.6 * 8), 1.234], [math.log(5000), 1.0], [math.log(16), -0.2]])
    rounded = box.round(xs)
    assert rounded[0] == pytest.approx([math.log(21), 1.23])   # 20.8 -> 21, 123.4 -> 123
    taken = [np.array([math.log(21), 1.23])]
    assert box.keep(rounded, []).tolist() == [True, False, False]  # 5000 > 1024, -20 < 0
    assert box.keep(rounded, taken).tolist() == [False, False, False]
