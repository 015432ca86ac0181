"""Search quality features: epoch-shuffled minibatches, skipping a perfect parent, the
final choice by a lower confidence bound or by a recheck on train, and the frontier
ensemble."""

import json
import math
import re

import pytest
from typer.testing import CliRunner

from galapagos.orchestrator.cli import app
from galapagos.archive import Archive, Evaluation
from galapagos.orchestrator.config_search import as_made
from galapagos.orchestrator.final import lcb, vote
from galapagos.orchestrator.loop import SKIPPED
from galapagos.orchestrator.minibatch import epoch_minibatch
from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config

IDS = [f"t{i}" for i in range(30)]


@pytest.mark.parametrize("n,k", [(30, 4), (30, 5), (7, 3), (3, 5)])
def test_every_instance_is_seen_before_any_repeats(n, k):
    ids = IDS[:n]
    seen: list[str] = []
    for it in range(1, 40):
        batch = epoch_minibatch(ids, k, it, seed=0)
        assert len(batch) == min(k, n) == len(set(batch))
        seen += batch
    per_epoch = -(-n // min(k, n)) * min(k, n)
    for start in range(0, len(seen) - per_epoch + 1, per_epoch):
        assert set(seen[start:start + n]) == set(ids)  # each epoch covers all, first n fresh
    assert epoch_minibatch(ids, k, 5, seed=0) == epoch_minibatch(list(reversed(ids)), k, 5, 0)
    assert [epoch_minibatch(ids, k, i, 1) for i in (1, 2)] != \
        [epoch_minibatch(ids, k, i, 0) for i in (1, 2)] or n <= k


def test_a_run_whose_val_is_perfect_stops_unless_asked_to_go_on(tmp_path):
    perfect = '{"answer": "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"}'
    out = start_run(toy_config(tmp_path, task={"options": {"seed": perfect, "perfect": True}},
                               budget={"max_iterations": 3}))
    assert out.stop_reason.startswith("val is perfect (1.000)") and out.summary["iterations"] == 0
    plain = start_run(toy_config(tmp_path / "b", budget={"max_iterations": 3},
                                 task={"options": {"seed": perfect}}))  # no perfect score
    assert plain.summary["iterations"] == 3


def test_a_run_draws_epoch_minibatches(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 3},
                               loop={"minibatch_size": 4}))  # 3 iterations: one epoch
    a = Archive(out.archive)
    seen = {r["instance_id"] for r in a.db.query(
        "select instance_id from evaluations where split = 'train'")}
    assert seen == {f"train-{k}" for k in range(12)}


def test_a_perfect_parent_is_skipped_without_an_llm_call(tmp_path):
    perfect = '{"answer": "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"}'
    out = start_run(toy_config(tmp_path, task={"options": {"seed": perfect, "perfect": True}},
                               proposers={"use": ["reflective"]},
                               budget={"max_iterations": 3, "stop_at_perfect": False}))
    a = Archive(out.archive)
    events = [e["data"] for e in a.events(out.run_id, "iteration")]
    assert [e["reason"] for e in events] == [SKIPPED] * 3
    assert not [c for c in a.llm_calls(out.run_id) if c["purpose"] == "reflect"]
    calls = a.metric_calls_by_split(out.run_id)
    assert calls.get("train", 0) == 12  # the parent's minibatches only: no child was scored


def test_lcb_and_vote():
    # pass/fail: Wilson, by hand: (p + z²/2n - z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    assert lcb([1, 1, 1, 1], 1.0) == pytest.approx((1 + 1 / 8 - math.sqrt(1 / 64)) / 1.25)
    assert lcb([1, 0, 1, 0], 1.0) == pytest.approx(
        (0.5 + 1 / 8 - math.sqrt(0.25 / 4 + 1 / 64)) / 1.25)
    assert lcb([0] * 5, 1.0) == 0.0 < lcb([1, 0, 0, 0, 0], 1.0)  # zero variance is no proof
    assert lcb([0.5, 0.5], 1.0) == 0.5  # other scores: mean minus standard errors
    assert lcb([], 1.0) == -math.inf
    assert lcb([0.9, 0.9], 2.0) > lcb([1.0, 0.8], 2.0)  # the steady one wins on a par mean

    def ev(c, i, out, score):
        return Evaluation(c, i, "val", score, out)
    evals = {"a": {"x": ev("a", "x", "Yes", 1.0), "y": ev("a", "y", "no", 0.0)},
             "b": {"x": ev("b", "x", "no", 0.0), "y": ev("b", "y", "yes", 1.0)},
             "c": {"x": ev("c", "x", " yes ", 1.0), "y": ev("c", "y", "maybe", 0.0)}}
    assert vote(["a", "b", "c"], evals, ["x", "y"]) == {"x": 1.0, "y": 0.0}  # y: a 3-way tie
    assert vote(["b", "a", "c"], evals, ["x", "y"]) == {"x": 1.0, "y": 1.0}  # goes to b


def test_the_summary_reports_the_ensemble_and_the_final_choice(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 16},
                               selector={"frontier": "cartesian"},  # keeps three here
                               proposers={"use": ["reflective", "demos"]}))
    s = out.summary
    assert s["best"] in s["test"] and s["best_by_mean"] in s["val"]
    assert s["choice"].startswith("best: the highest") and "[loop] final" in s["choice"]
    shown = CliRunner().invoke(app, ["show", out.run_id, "-a", str(out.archive)]).output
    assert "best: the highest" in " ".join(shown.split())
    ens = s["ensemble"]
    assert len(s["frontier"]) >= 3
    if len(s["frontier"]) >= 3:
        members = s["frontier"][:5]
        assert ens["members"] == members and set(members) <= set(s["test"])
        a = Archive(out.archive)
        key = a.get_run(out.run_id)["task_key"]
        val_ids = [f"val-{k}" for k in range(12)]
        evals = {c: a.cached_evaluations(key, c, val_ids, "val") for c in members}
        assert ens["val"] == pytest.approx(sum(vote(members, evals, val_ids).values()) / 12)
        from rich.console import Console

        from galapagos.orchestrator.report import show_run
        console = Console(width=200, record=True)
        console.print(show_run(a, out.run_id))
        assert "ensemble" in console.export_text()
    else:
        assert ens is None


def test_runs_made_before_the_new_keys_resume_as_they_ran():
    old = {"loop": {"minibatch_size": 4}, "proposers": {"use": ["reflective"]}}
    made = as_made(old)
    assert made["loop"]["minibatches"] == "random" and made["loop"]["skip_perfect"] is False
    assert made["loop"]["final"] == "mean"
    assert made["proposers"]["reflective"]["style"] == "instruct"
    assert made["loop"]["race"] == {"enabled": False}  # issue 22's mechanisms: off
    assert made["proposers"]["demos"] == {"fill": False, "by_effect": False}
    assert made["proposers"]["reflective"]["recall"] == 0  # no rejected tries shown
    assert made["proposers"]["carbs"] == {"exploration_bias": 0.0, "pending_siblings": False,
                                          "resample_every": 0, "mask_bounds": False}
    new = as_made({"loop": {"minibatches": "epoch"}, "proposers": {
        "reflective": {"recall": 4}, "carbs": {"exploration_bias": 1.0}}})
    assert new["loop"]["minibatches"] == "epoch"
    assert new["proposers"]["reflective"]["recall"] == 4
    assert new["proposers"]["carbs"]["exploration_bias"] == 1.0


def test_the_final_choice_by_lcb_prefers_the_steady_candidate(tmp_path):
    from types import SimpleNamespace

    from galapagos.archive import Frontier
    from galapagos.orchestrator.final import Finals, final_choice
    from galapagos.tasks.protocol import Instance

    a = Archive(tmp_path / "a.db")
    val = [Instance(f"v{k}", "val", "x") for k in range(6)]
    scores = {"lucky": [1, 1, 1, 1, 0.1, 0.1], "steady": [0.7] * 6}  # means 0.70 and 0.70
    scores["lucky"][0] = 1.05  # a hair ahead on the mean
    for cid, ss in scores.items():
        for inst, s in zip(val, ss, strict=True):
            a.record_evaluation("r", "k", Evaluation(cid, inst.id, "val", s))
    frontier = Frontier.from_scores({c: dict(zip([i.id for i in val], ss, strict=True))
                                     for c, ss in scores.items()})
    loop = Finals(SimpleNamespace(final="lcb", z=1.0), frontier, {"val": val}, a,
                  SimpleNamespace(task_key="k"))
    assert frontier.means["lucky"] > frontier.means["steady"]
    assert final_choice(loop, "lucky") == "steady"
    loop.settings.final = "mean"
    assert final_choice(loop, "lucky") == "lucky"


def test_lcb_does_not_prefer_a_seed_that_failed_everything(tmp_path):
    """The seed at val 0 (zero variance) had a bound of 0, above 1 of 5 passed (issue 20.6)."""
    from types import SimpleNamespace

    from galapagos.archive import Frontier
    from galapagos.orchestrator.final import Finals, final_choice
    from galapagos.tasks.protocol import Instance

    a = Archive(tmp_path / "a.db")
    val = [Instance(f"v{k}", "val", "x") for k in range(5)]
    scores = {"seed": [0.0] * 5, "child": [1.0, 0, 0, 0, 0]}
    for cid, ss in scores.items():
        for inst, s in zip(val, ss, strict=True):
            a.record_evaluation("r", "k", Evaluation(cid, inst.id, "val", s))
    frontier = Frontier.from_scores({c: dict(zip([i.id for i in val], ss, strict=True))
                                     for c, ss in scores.items()})
    loop = Finals(SimpleNamespace(final="lcb", z=1.0), frontier, {"val": val}, a,
                  SimpleNamespace(task_key="k"))
    assert final_choice(loop, "child") == "child"


class Graded:
    """A task whose scores are a table: candidate ``name`` → instance id → score."""

    name = "graded"

    def __init__(self, table: dict[str, dict[str, float]], instances: list):
        self.table, self._instances, self.paid = table, instances, []

    def instances(self):
        return self._instances

    def evaluate(self, candidate, instance):
        from galapagos.tasks.protocol import Result
        self.paid.append((candidate["name"], instance.id))
        return Result(self.table[candidate["name"]][instance.id])


def test_the_final_recheck_prefers_the_candidate_that_holds_up_on_train(tmp_path):
    from types import SimpleNamespace

    from galapagos.archive import Candidate, Frontier
    from galapagos.orchestrator.evaluator import Evaluator
    from galapagos.orchestrator.final import Finals, final_choice
    from galapagos.tasks.protocol import Instance

    val = [Instance(f"v{k}", "val", f"question {k}") for k in range(6)]
    train = [Instance(f"t{k}", "train", f'say "hi"\nto {k}') for k in range(10)]
    cands = {"lucky": Candidate({"name": "lucky"}),  # steady shows t0, JSON-escaped:
             "steady": Candidate({"name": "steady", "demos": json.dumps(train[0].input)})}
    val_scores = {"lucky": [1, 1, 1, 1, 1, 0], "steady": [1, 1, 1, 1, 0, 0]}
    table = {"lucky": {f"t{k}": float(k < 2) for k in range(10)},
             "steady": {f"t{k}": float(k < 8) for k in range(10)}}
    a = Archive(tmp_path / "a.db")
    a.create_run("r", task="graded", task_key="k", seed=0, config={})
    for name, ss in val_scores.items():
        table[name].update({f"v{k}": s for k, s in enumerate(ss)})
        a.add_candidate("r", cands[name], iteration=0, role="seed")
        for inst, s in zip(val, ss, strict=True):
            a.record_evaluation("r", "k", Evaluation(cands[name].id, inst.id, "val", s))
    task = Graded(table, val + train)
    frontier = Frontier.from_scores({cands[n].id: dict(zip([i.id for i in val], ss,
                                                           strict=True))
                                     for n, ss in val_scores.items()})
    loop = Finals(SimpleNamespace(final="mean", z=1.0, recheck=2), frontier,
                  {"val": val, "train": train}, a, Evaluator(task, a, "r", "k"))
    lucky, steady = cands["lucky"].id, cands["steady"].id
    assert final_choice(loop, lucky) == lucky and not task.paid
    loop.settings.final = "recheck"
    assert final_choice(loop, lucky) == steady  # 11/15 against 7/16
    assert ("steady", "t0") not in task.paid and ("lucky", "t0") in task.paid
    assert len(task.paid) == 19
    loop.settings.recheck = 1  # only the best by val is rechecked: nothing to weigh it against
    assert final_choice(loop, lucky) == lucky and len(task.paid) == 19  # all cached


def test_recheck_spends_only_calls_the_search_left_for_it(tmp_path):
    from galapagos.orchestrator.final import shown
    from tests.fixtures.toy_task import ToyTask

    out = start_run(toy_config(tmp_path, budget={"max_iterations": 100, "max_metric_calls": 90},
                               loop={"final": "recheck", "recheck": 2}))  # 2 x 12 train kept
    reason = re.fullmatch(r"budget: metric calls \((\d+) of 66, 24 more kept for the final "
                          r"recheck\)", out.stop_reason)
    assert reason and 66 <= int(reason[1]) < 66 + 12  # one val batch over at most
    assert int(reason[1]) < out.summary["metric_calls"] <= 90 + 12  # the recheck paid some
    a = Archive(out.archive)
    key = a.get_run(out.run_id)["task_key"]
    def rechecked(cid: str) -> bool:  # scored on every train instance not shown in it
        cand = a.get_candidate(cid)
        fresh = {i.id for i in ToyTask().instances() if i.split == "train" and not shown(cand, i)}
        return set(a.cached_evaluations(key, cid, sorted(fresh), "train")) == fresh
    done = [c for c in a.pool(out.run_id) if rechecked(c)]
    assert len(done) >= 2 and out.summary["best"] in done


def test_a_recheck_that_leaves_the_search_nothing_is_refused(tmp_path):
    from galapagos.errors import ConfigError

    cfg = toy_config(tmp_path, budget={"max_metric_calls": 36},
                     loop={"final": "recheck", "recheck": 3})  # 3 x 12 train instances
    with pytest.raises(ConfigError, match="leaves none of budget.max_metric_calls = 36"):
        start_run(cfg)
    assert not Archive(tmp_path / "archive.db").db["runs"].count
