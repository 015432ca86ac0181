"""A DSPy program optimised end to end on the embedded model (issue 23.6): DSPy reaches
``local/gemma3-270m`` through litellm (Galápagos registers the provider), runs the
two-predictor program on each example, and the run finishes with every evaluation
scored (a base model rarely keeps DSPy's format: an answer that does not parse is the
candidate's score of 0, not a fault)."""

import pytest

import galapagos as gp
from galapagos.dspy import GalapagosOptimizer, components

import dspy  # noqa: I001 - after galapagos, which keeps litellm off the network
from tests.unit.test_dspy import TwoStep, examples, metric

pytestmark = pytest.mark.local_llm


def test_a_two_predictor_program_runs_end_to_end_on_the_embedded_model(tmp_path):
    with dspy.context(lm=dspy.LM("local/gemma3-270m", max_tokens=24, cache=False)):
        better = GalapagosOptimizer(
            metric, reflection_model="local/gemma3-270m", budget=gp.Budget(iterations=2),
            archive=tmp_path / "r.db", progress=False,
        ).compile(TwoStep(), trainset=examples(4, 1), valset=examples(4, 2))
    result = better.galapagos
    assert result.status == "finished" and result.val is not None
    assert set(components(better)) == {"rewrite", "answer"}
    run = gp.open(result.archive).run(result.run_id)
    assert len(run.scores(run.candidates()[0].id, "val")) == 4
    assert [i.iteration for i in run.iterations()] == [1, 2]
    assert any(c.model == "local/gemma3-270m" for c in run.calls())  # the reflection's
