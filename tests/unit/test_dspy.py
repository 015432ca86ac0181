"""DSPy programs as candidates (issue 23.6): a two-predictor program whose answer step
needs the right instruction; Galápagos evolves the instructions with DSPy running the
program on a scripted LM, and the compiled program carries the best ones."""

from __future__ import annotations

import pytest

import galapagos as gp
from galapagos.agents.llm.fake import FakeLLM
from galapagos.dspy import GalapagosOptimizer, components

import dspy  # noqa: I001 - after galapagos, which keeps litellm off the network
import litellm

MAGIC = "Reply with the sum as digits."


def field(messages, name):
    text = messages[-1]["content"]
    return text.split(f"[[ ## {name} ## ]]\n", 1)[1].split("\n", 1)[0]


def program_lm(messages):
    """The program's LM: the rewrite step copies; the answer step is right only when its
    instruction is the magic one."""
    system = messages[0]["content"]
    if "starting with the field `[[ ## query ## ]]`" in messages[-1]["content"]:
        return f"[[ ## query ## ]]\n{field(messages, 'question')}\n\n[[ ## completed ## ]]"
    a, _, b = field(messages, "query").partition(" plus ")
    answer = str(int(a) + int(b)) if MAGIC in system else "many"
    return f"[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]"


class TwoStep(dspy.Module):
    def __init__(self):
        super().__init__()
        self.rewrite = dspy.Predict("question -> query")
        self.answer = dspy.Predict("query -> answer")

    def forward(self, question):
        return self.answer(query=self.rewrite(question=question).query)


def metric(example, prediction, trace=None):
    ok = prediction.answer == example.answer
    return dspy.Prediction(score=float(ok), feedback="" if ok else
                           f"expected {example.answer}, got {prediction.answer}")


def examples(n, k):
    return [dspy.Example(question=f"{i} plus {k}", answer=str(i + k)).with_inputs("question")
            for i in range(n)]


@pytest.fixture(autouse=True)
def lm():
    FakeLLM("program", rule=program_lm)
    FakeLLM("reflector", rule=lambda m: f"```\n{MAGIC}\n```\n")
    with dspy.context(lm=dspy.LM("fake/program", cache=False)):
        yield


def compile_(tmp_path, **kw):
    optimizer = GalapagosOptimizer(metric, reflection_model="fake/reflector",
                                   budget=gp.Budget(iterations=4), archive=tmp_path / "r.db",
                                   progress=False, **kw)
    return optimizer.compile(TwoStep(), trainset=examples(8, 1), valset=examples(6, 2),
                             testset=examples(4, 3))


def test_the_compiled_program_carries_the_best_instructions_and_scores_better(tmp_path):
    seed = components(TwoStep())
    assert set(seed) == {"rewrite", "answer"}
    better = compile_(tmp_path)
    result = better.galapagos
    assert result.seed_val == 0.0 and result.val == 1.0 and result.test == 1.0
    assert components(better)["answer"] == MAGIC
    assert better(question="40 plus 2").answer == "42"
    run = gp.open(result.archive).run(result.run_id)
    child = next(c for c in run.candidates() if c.role == "accepted")
    assert child.components["answer"] == MAGIC  # the answer predictor's instruction
    seed_scores = run.scores(run.candidates()[0].id, "train")
    assert any("expected" in s.feedback for s in seed_scores)  # the metric's feedback


def test_an_lm_that_cannot_be_reached_is_an_infrastructure_fault_not_a_score(tmp_path):
    FakeLLM("program", rule=lambda m: (_ for _ in ()).throw(
        litellm.APIConnectionError("refused", llm_provider="fake", model="program")))
    with pytest.raises(gp.InfrastructureError, match="the program's LM failed"):
        compile_(tmp_path, overrides={"loop.infra_retries": 0})
    run = gp.open(tmp_path / "r.db").run()
    assert run.row.status == "failed" and run.row.search_calls == 0  # nothing was scored


def test_an_answer_that_does_not_parse_is_a_score_of_0_with_the_reason(tmp_path):
    """A base model that answers off DSPy's format (the embedded Gemma wrote "{query}"):
    the candidate's fault, scored 0 with feedback, not the task's (the run finishes)."""
    FakeLLM("program", rule=lambda m: "{query}")
    result = compile_(tmp_path).galapagos
    assert result.status == "finished" and result.seed_val == 0.0
    run = gp.open(result.archive).run(result.run_id)
    scores = run.scores(run.candidates()[0].id, "val")
    assert scores and all(s.score == 0.0 and "did not parse" in s.feedback for s in scores)
