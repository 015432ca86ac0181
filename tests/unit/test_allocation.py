"""The proposer bandit (issue 22.2): each mutation proposer's share follows its measured
yield per cost in the run (hand-computed tallies and shares; a scripted proposer set whose
one member always helps and the other never does), and nothing changes with it off."""

import json

import pytest

from galapagos.archive import Archive, Candidate
from galapagos.archive.events import IterationEnded
from galapagos.orchestrator.allocation import Tallies, shares
from galapagos.orchestrator.proposers import Proposal, ProposalContext
from galapagos.orchestrator.registry import Strategy
from galapagos.orchestrator.runner import start_run
from galapagos.orchestrator.strategies import PROPOSERS
from tests.conftest import toy_config


def record(iteration, proposer, outcome, calls, usd=0.0):
    return IterationEnded("r", iteration, outcome, "p", proposer, metric_calls=calls,
                          llm_usd=usd)


RECORDS = [record(1, "reflective", "accepted", 20, 0.1), record(2, "demos", "rejected", 24, 0.1),
           record(3, "reflective", "rejected", 28, 0.3), record(4, "demos", "accepted", 60, 0.3)]


def test_tallies_charge_each_iteration_what_it_spent_the_first_being_the_baseline():
    t = Tallies()
    t.fold(RECORDS, before=5)
    r, d = t.by_proposer["reflective"], t.by_proposer["demos"]
    assert (r.tries, r.accepted, r.cost) == (2, 1, 4.0)   # 0 (baseline) + 28 - 24
    assert (d.tries, d.accepted, d.cost) == (2, 1, 36.0)  # 24 - 20 + 60 - 28
    usd = Tallies("usd")
    usd.fold(RECORDS, before=5)
    assert usd.by_proposer["reflective"].cost == pytest.approx(0.2)  # 0.3 - 0.1
    assert usd.by_proposer["demos"].cost == 0.0


def test_only_iterations_before_the_current_one_count_and_folding_is_incremental():
    once, twice = Tallies(), Tallies()
    once.fold(RECORDS, before=3)
    assert sum(t.tries for t in once.by_proposer.values()) == 2 and once.upto == 2
    twice.fold(RECORDS[:1], before=5)
    twice.fold(RECORDS, before=5)  # the archive hands back what follows upto; no double count
    full = Tallies()
    full.fold(RECORDS, before=5)
    assert twice.by_proposer == full.by_proposer


def test_shares_are_weight_times_yield_per_cost_mixed_with_the_weights():
    t = Tallies()
    t.fold(RECORDS, before=5)
    got = shares(["demos", "reflective"], [1.0, 1.0], t, prior=30.0, explore=0.0)
    demos, reflective = 2 / 66, 2 / 34  # (1 + accepted) / (prior + cost)
    assert got == pytest.approx([demos / (demos + reflective), reflective / (demos + reflective)])
    mixed = shares(["demos", "reflective"], [1.0, 3.0], t, prior=30.0, explore=0.5)
    demos, reflective = 2 / 66, 3 * 2 / 34
    assert mixed == pytest.approx([0.5 * demos / (demos + reflective) + 0.5 * 0.25,
                                   0.5 * reflective / (demos + reflective) + 0.5 * 0.75])
    untried = shares(["a", "b"], [1.0, 1.0], Tallies(), prior=30.0, explore=0.2)
    assert untried == pytest.approx([0.5, 0.5])


class Helps:
    """Adds the word the parent missed on its minibatch: its child beats the parent."""

    name = "helps"

    def propose(self, ctx: ProposalContext) -> Proposal:
        missed = [r.feedback.rsplit(" ", 1)[-1] for r in ctx.results.values() if r.score < 1]
        if not missed:
            return Proposal(self.name, rejected="nothing missed")
        answer = f"{ctx.parent.components['answer']} {missed[0]}"
        return Proposal(self.name, child=Candidate({**ctx.parent.components,
                                                    "answer": answer}, (ctx.parent.id,),
                                                   self.name))


class Hurts:
    """Forgets the parent's answer: its child never beats the parent."""

    name = "hurts"

    def propose(self, ctx: ProposalContext) -> Proposal:
        answer = f"nothing {ctx.iteration}"
        return Proposal(self.name, child=Candidate({**ctx.parent.components,
                                                    "answer": answer}, (ctx.parent.id,),
                                                   self.name))


@pytest.fixture
def scripted(monkeypatch):
    built_in = {**PROPOSERS.built_in,
                "helps": Strategy("helps", build=lambda b: Helps()),
                "hurts": Strategy("hurts", build=lambda b: Hurts())}
    monkeypatch.setattr(PROPOSERS, "built_in", built_in)


def drawn(tmp_path, bandit):
    out = start_run(toy_config(tmp_path, task={"options": {"n": 24}},
                               proposers={"use": ["helps", "hurts"], "bandit": bandit},
                               budget={"max_iterations": 60}))
    records = Archive(out.archive).iterations(out.run_id)
    return [r.proposer for r in records], out


def test_the_bandit_gives_the_proposer_that_helps_the_larger_share(tmp_path, scripted):
    plain, _ = drawn(tmp_path / "plain", {"enabled": False})
    banded, out = drawn(tmp_path / "bandit", {"enabled": True, "explore": 0.2})
    assert abs(plain.count("helps") - plain.count("hurts")) <= 15  # weights alone: even
    assert banded.count("helps") >= 0.6 * len(banded) > plain.count("helps"), banded
    t = Tallies()
    t.fold(Archive(out.archive).iterations(out.run_id), before=len(banded) + 1)
    helps, hurts = t.by_proposer["helps"], t.by_proposer["hurts"]
    assert helps.accepted > 0 == hurts.accepted  # what it measured: one helps, one never
    assert shares(["helps", "hurts"], [1.0, 1.0], t, 30.0, 0.2)[0] > 0.7
    assert banded[:10].count("hurts") > 0  # an untried proposer is tried, not starved
    again, _ = drawn(tmp_path / "again", {"enabled": True, "explore": 0.2})
    assert again == banded  # seeded: the same draws


def test_the_bandit_is_off_by_default_and_its_config_is_written_with_the_run(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 1}))
    config = Archive(out.archive).get_run(out.run_id)["config"]
    made = json.loads(config) if isinstance(config, str) else config
    assert made["proposers"]["bandit"]["enabled"] is False
