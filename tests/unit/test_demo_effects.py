"""Demonstrations chosen by their measured effect (issue 22.2): the demos proposer reads
which instances earlier children added and how those children scored on their minibatch
against their parents, prefers what helped, tries the untried next, removes the worst."""

import json
import random

from galapagos.archive import Archive, Candidate, Frontier
from galapagos.archive.events import IterationEnded
from galapagos.orchestrator.proposers import DemoMutation, ProposalContext
from galapagos.orchestrator.proposers.demo_effects import BONUS, Effects, measured
from galapagos.tasks.protocol import Instance

TRAIN = [Instance(f"t{i}", "train", f"input {i}", "same") for i in range(6)]


def demos_of(*ids):
    return json.dumps([{"input": f"input {i}", "output": "same"} for i in ids])


def history(archive, tried):
    """Earlier iterations: the parent (demos t0) plus one instance each, with its gain."""
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    parent = Candidate({"demos": demos_of(0)})
    archive.add_candidate("r", parent, iteration=0, role="seed")
    for it, (i, gain) in enumerate(tried, 1):
        child = Candidate({"demos": demos_of(0, i)}, (parent.id,), "demos",
                          {"op": "add", "added": [f"t{i}"]})
        archive.add_candidate("r", child, iteration=it, role="proposed")
        archive.emit(IterationEnded("r", it, "rejected", parent.id, "demos", child=child.id,
                                    parent_mb=1.0, child_mb=1.0 + gain), f"it:{it}")
    return parent


def ctx(parent, iteration, seed):
    return ProposalContext("r", iteration, parent, [], {}, TRAIN, random.Random(seed),
                           Frontier(), lambda c: None, lambda c: [], demo_component="demos")


def added(out):
    return out.child.meta["added"]


def test_effects_are_mean_gain_plus_a_shrinking_bonus():
    e = Effects()
    e.add("a", 2.0)
    e.add("a", 0.0)
    assert e.score("a") == 1.0 + BONUS / 3 ** 0.5
    assert e.score("never") == BONUS


def test_only_earlier_iterations_count():
    recs = [IterationEnded("r", 3, "rejected", "p", "demos", child="c", parent_mb=0,
                           child_mb=2)]
    assert measured(recs, {"c": ["t1"]}, before=3).seen == {}
    assert measured(recs, {"c": ["t1"]}, before=4).gain == {"t1": 2.0}


def test_an_instance_that_helped_is_added_again_and_one_that_hurt_is_not(tmp_path):
    archive = Archive(tmp_path / "a.db")
    tried = [(1, 2.0), (2, -1.0), (3, -1.0), (4, -1.0), (5, -1.0)]
    parent = history(archive, tried)
    adds = [DemoMutation(8, archive).propose(ctx(parent, 6, s)) for s in range(12)]
    picks = {added(o)[0] for o in adds if o.child.meta["op"] == "add"}
    assert picks == {"t1"}  # a uniform choice would also add t2..t5


def test_untried_instances_come_before_ones_that_hurt(tmp_path):
    archive = Archive(tmp_path / "a.db")
    parent = history(archive, [(1, -1.0), (2, -1.0), (3, -1.0)])
    adds = [DemoMutation(8, archive).propose(ctx(parent, 4, s)) for s in range(12)]
    picks = {added(o)[0] for o in adds if o.child.meta["op"] == "add"}
    assert picks and picks <= {"t4", "t5"}


def test_a_swap_removes_the_demo_that_hurt_most(tmp_path):
    archive = Archive(tmp_path / "a.db")
    history(archive, [(1, 2.0), (2, -2.0), (3, 0.0)])
    parent = Candidate({"demos": demos_of(1, 2, 3)})
    for seed in range(12):
        out = DemoMutation(3, archive).propose(ctx(parent, 4, seed))
        if out.child.meta["op"] in ("swap", "drop"):
            kept = {d["input"] for d in json.loads(out.child.components["demos"])}
            assert "input 2" not in kept and {"input 1", "input 3"} & kept


def test_without_an_archive_the_choice_is_uniform():
    parent = Candidate({"demos": demos_of(0)})
    picks = {added(o)[0] for s in range(30)
             if (o := DemoMutation(8).propose(ctx(parent, 6, s))).child.meta["op"] == "add"}
    assert len(picks) > 2


def test_a_fill_is_credited_to_every_demo_it_added(tmp_path):
    archive = Archive(tmp_path / "a.db")
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    seed = Candidate({"demos": "[]"})
    out = DemoMutation(3, archive).propose(ctx(seed, 1, 0))
    archive.add_candidate("r", out.child, iteration=1, role="proposed")
    archive.emit(IterationEnded("r", 1, "accepted", seed.id, "demos", child=out.child.id,
                                parent_mb=0.0, child_mb=3.0), "it:1")
    effects = measured(archive.iterations("r"), {out.child.id: added(out)}, before=2)
    assert sorted(effects.gain) == sorted(added(out)) and set(effects.gain.values()) == {3.0}
    assert len(added(out)) == 3
