"""Acceptance that accounts for noise (issue 22.2): ``paired`` accepts a child only when its
per-instance differences from the parent stay above zero by z standard errors, so a
noise-only win on one instance of four is rejected (hand-computed cases; a seeded toy whose
train scores are coin tosses)."""

import pytest

from galapagos.archive import Archive
from galapagos.orchestrator.acceptance import accepts
from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config


@pytest.mark.parametrize(("child", "parent", "strict", "paired"), [
    ([1, 0, 0, 0], [0, 0, 0, 0], True, False),   # one win: mean .25, se .25 -> bound 0
    ([1, 1, 0, 0], [0, 0, 0, 0], True, True),    # two: mean .5, se .29 -> bound .21
    ([1, 1, 0, 0], [0, 0, 1, 0], True, False),   # two wins, one loss: bound -.23
    ([1, 1, 1, 1], [0, 0, 0, 0], True, True),    # all won: no spread, mean 1
    ([0, 1, 0, 0], [1, 0, 0, 0], False, False),  # a swap
])
def test_paired_acceptance_against_strict(child, parent, strict, paired):
    assert accepts("strict", child, parent, 1.0) is strict
    assert accepts("paired", child, parent, 1.0) is paired
    assert accepts("paired", [1, 0, 0, 0], [0, 0, 0, 0], 0.0)  # z = 0: any net win


def test_the_other_rules_compare_sums():
    assert accepts("non_decreasing", [0, 1], [1, 0], 1.0)
    assert not accepts("strict", [0, 1], [1, 0], 1.0)
    assert accepts("all", [0, 0], [1, 1], 1.0)


def minibatch_wins(tmp_path, acceptance):
    """Children accepted on the minibatch in a run whose train scores are coin tosses, and
    the net per-instance wins of each (from the archive's train evaluations)."""
    out = start_run(toy_config(tmp_path, task={"options": {"coin_train": True}},
                               loop={"acceptance": acceptance, "race": {"enabled": False}},
                               budget={"max_iterations": 30}))
    a = Archive(out.archive)
    won = [r for r in a.iterations(out.run_id) if r.outcome in ("accepted", "staged_out")]
    return won, a


def test_paired_acceptance_rejects_the_noise_only_wins_that_strict_takes(tmp_path):
    strict, _ = minibatch_wins(tmp_path / "strict", "strict")
    paired, _ = minibatch_wins(tmp_path / "paired", "paired")
    single = [r for r in strict if r.child_mb - r.parent_mb < 2 - 1e-9]
    assert single, "the toy gave strict no one-instance win to take"
    assert all(r.child_mb - r.parent_mb >= 2 - 1e-9 for r in paired)  # never a single win
    assert len(paired) < len(strict)
