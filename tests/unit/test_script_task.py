"""The training-script task without Docker: the host's grader of the artefact, the shipped
baseline scores (re-measured here), and MLGym's performance profiles and AUP."""

import json
import math

import pytest

from galapagos.tasks.protocol import TaskContext
from galapagos.tasks.script import BASELINES, create, grade
from galapagos.tasks.script.make_baselines import baselines
from galapagos.tasks.script.profile import aup, log_ratios, profile


@pytest.mark.parametrize("artefact, reason", [
    (None, "left no out/predictions.json"),
    (b"{not json", "is not JSON"),
    (b'{"accuracy": 1.0}', "must be a list of 4 classes"),
    (b"[0, 1, 2]", "must be a list of 4 classes"),
    (b"[0, 1, 2, 3]", "from 0 to 2"),
    (b"[0, 1, true, 2]", "from 0 to 2"),
    (b'[0, 1, "2", 2]', "from 0 to 2"),
    (b"[0, 1, 2.0, 2]", "from 0 to 2"),
])
def test_a_malformed_artefact_scores_0_with_the_reason(artefact, reason):
    score, why = grade(artefact, [0, 1, 2, 2], 3)
    assert score == 0.0 and reason in why


def test_the_grade_is_the_held_out_accuracy():
    assert grade(json.dumps([0, 1, 2, 0]).encode(), [0, 1, 2, 2], 3) == (
        0.75, "held-out accuracy 0.750")


def test_the_shipped_baselines_are_what_the_baseline_scores():
    assert baselines(300) == pytest.approx(BASELINES["300"])
    task = create(TaskContext(options={}, llm=None, sandbox=None, limits=None, run_id="r"))
    assert set(task.baselines) == {i.id for i in task.instances()}


def test_performance_profiles_and_aup():
    scores = {"best": {"a": 0.9, "b": 0.8}, "half": {"a": 0.45, "b": 0.8},
              "failed": {"a": None, "b": 0.0}}
    ratios, tau_max = log_ratios(scores)
    assert ratios["best"] == {"a": 0.0, "b": 0.0}
    assert ratios["half"]["a"] == pytest.approx(math.log10(2))
    assert tau_max == pytest.approx(math.log10(1.05 * 2))
    assert ratios["failed"] == {"a": tau_max, "b": tau_max}
    assert profile(scores, 0.0) == {"best": 1.0, "half": 0.5, "failed": 0.0}
    assert profile(scores, 0.31) == {"best": 1.0, "half": 1.0, "failed": 0.0}
    areas = aup(scores)
    assert areas["best"] == pytest.approx(tau_max) and areas["failed"] == 0.0
    assert areas["half"] == pytest.approx((tau_max + tau_max - math.log10(2)) / 2)
