"""Racing validation (issue 22.2): a child stops on val as soon as it is unlikely to beat
its parent, exactly then, and a child as good as its parent finishes the race."""

import math

from galapagos.agents.llm.fake import FakeLLM
from galapagos.archive import Archive
from galapagos.orchestrator.race import chunks, standing, stops
from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config
from tests.fixtures.toy_task import ToyTask


def test_the_looks_come_at_the_minimum_then_every_chunk():
    assert chunks(30, 5, 10) == [10, 15, 20, 25, 30]
    assert chunks(12, 5, 10) == [10, 12]
    assert chunks(4, 5, 10) == [4]
    assert chunks(30, 7, 1) == [1, 8, 15, 22, 29, 30]


def test_standing_by_hand():
    # differences 0, -1, -1, 0: mean -0.5, sample sd 0.57735, se 0.288675
    s = standing([1, 0, 0, 1], [1, 1, 1, 1], parent_total=8, total=10, z=1.0)
    assert s.mean_diff == -0.5 and math.isclose(s.bound, -0.5 + 0.2886751, rel_tol=1e-6)
    assert s.reachable and s.saved == 6  # 2 + 6 left >= 8
    assert not standing([0, 0, 0], [1, 1, 1], 8, 10, 1.0).reachable  # 0 + 7 < 8


def test_it_stops_exactly_when_the_bound_falls_below_zero():
    worse = standing([0] * 4 + [1] * 6, [1] * 10, parent_total=20, total=30, z=1.0)
    assert worse.bound < 0 and stops(worse, 10)
    assert not stops(worse, 11)  # before the minimum it does not look at the bound
    tie = standing([1, 0] * 5, [0, 1] * 5, parent_total=15, total=30, z=1.0)
    assert tie.mean_diff == 0 and not stops(tie, 10)  # level is no reason to stop
    close = standing([1] * 9 + [0], [1] * 10, parent_total=25, total=30, z=1.0)
    assert close.bound >= 0 and not stops(close, 10)  # one miss in ten: within the noise
    hopeless = standing([0] * 20, [1] * 20, parent_total=30, total=30, z=5.0)
    assert not hopeless.reachable and stops(hopeless, 25)  # 0 + 10 left < 30
    done = standing([0] * 30, [1] * 30, parent_total=30, total=30, z=0.0)
    assert not stops(done, 10)  # scored on all: fully validated, nothing left to save


TRAIN_ALWAYS_RIGHT = """from galapagos.tasks.protocol import Result
from tests.fixtures.toy_task import ToyTask
class Lenient(ToyTask):
    def evaluate(self, candidate, instance):
        if instance.split == "train":  # every child ties its parent on the minibatch
            return Result(1.0, output="ok", feedback="ok")
        return super().evaluate(candidate, instance)
def create(ctx):
    return Lenient()
"""
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def lenient_run(tmp_path, answers, race):
    tmp_path.mkdir()
    (tmp_path / "lenient.py").write_text(TRAIN_ALWAYS_RIGHT)
    FakeLLM("racer").enqueue(*[f"{a}\n```" for a in answers])
    return start_run(toy_config(
        tmp_path, task={"name": f"{tmp_path / 'lenient.py'}:create"},
        llm={"model": "fake/racer"}, selector={"kind": "best"},
        proposers={"use": ["reflective"], "reflective": {"components": ["answer"]}},
        loop={"acceptance": "non_decreasing", "race": race},
        budget={"max_iterations": len(answers)}))


def raced_order(out):
    """The run's fixed val order (the loop's: seeded by the run's seed)."""
    import random

    val = [i for i in ToyTask().instances() if i.split == "val"]
    return random.Random(f"{Archive(out.archive).get_run(out.run_id)['seed']}:stages").sample(
        val, len(val))


def test_a_run_races_out_worse_children_and_saves_their_calls(tmp_path):
    answers = [" ".join(WORDS[:8]), "alpha", " ".join(WORDS[:9]), "mu", " ".join(WORDS[:9]) + " mu"]
    race = {"min_instances": 4, "chunk": 2}
    raced = lenient_run(tmp_path / "r", answers, race)
    plain = lenient_run(tmp_path / "p", answers, {**race, "enabled": False})
    a = Archive(raced.archive)
    outcomes = [(r.outcome, r.val) for r in a.iterations(raced.run_id)]
    assert [o for o, _ in outcomes] == ["accepted", "staged_out", "accepted", "staged_out",
                                        "accepted"]
    assert [v for _, v in outcomes if v is not None] == [8 / 12, 9 / 12, 10 / 12]
    out = [r for r in a.iterations(raced.run_id) if r.outcome == "staged_out"]
    assert [r.reason.split(":")[0] for r in out] == ["raced out after 6 of 12 val instances"] * 2
    assert all(r.saved_calls == 6 and r.stage_val < r.bar for r in out)
    order = [i.id for i in raced_order(raced)]  # exactly when: not at the look before
    for r in out:
        scores = [Archive(raced.archive).cached_evaluations(
            a.get_run(raced.run_id)["task_key"], c, order, "val") for c in (r.child, r.parent)]
        child, parent = ([e[i].score for i in order[:6]] for e in scores)
        total = sum(e.score for e in scores[1].values())
        assert not stops(standing(child[:4], parent[:4], total, 12, 1.0), 4)
        assert stops(standing(child, parent, total, 12, 1.0), 4)
    assert not {r.child for r in out} & set(a.pool(raced.run_id))  # never in the pool
    plain_a = Archive(plain.archive)
    assert [r.outcome for r in plain_a.iterations(plain.run_id)] == ["accepted"] * 5
    search = lambda o: Archive(o.archive).metric_calls(o.run_id, search_only=True)  # noqa: E731
    assert search(plain) - search(raced) == 12  # two children, 6 val calls each
    assert raced.summary["staging_saved_calls"] == 12
    assert raced.summary["best"] == plain.summary["best"]  # the same best, cheaper
