"""The Python API (issue 23): ``galapagos.optimize`` from nothing to a better prompt, the
archive read back typed, listeners, resume with its fingerprint check, and bad arguments
refused before anything is written. The models are scripted fakes at the LLM boundary."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import galapagos as gp
from galapagos.agents.llm.fake import FakeLLM
from galapagos.agents.llm.providers import messages_to_prompt
from galapagos.orchestrator.runner import resume_run

TRAIN = [{"q": f"{i} plus 1", "a": str(i + 1)} for i in range(8)]
VAL = [{"q": f"{i} plus 2", "a": str(i + 2)} for i in range(6)]
TEST = [{"q": f"{i} plus 3", "a": str(i + 3)} for i in range(4)]
MAGIC = "Answer with the number only."


def solver(messages):
    """The task's model: right only when the prompt carries the magic instruction."""
    prompt = messages_to_prompt(messages)
    if MAGIC not in prompt:
        return "I think so"
    a, _, b = prompt.rsplit("\n", 1)[-1].partition(" plus ")
    return str(int(a) + int(b))


def reflector(messages):
    return f"```\n{MAGIC}\n```\n"


@pytest.fixture(autouse=True)
def fakes():
    FakeLLM("solver", rule=solver)
    FakeLLM("reflector", rule=reflector)


def score(prompt, example):
    out = gp.answer("fake/solver", f"{prompt}\n{example['q']}")
    return float(out == example["a"]), f"expected {example['a']}, got {out!r}"


def run(tmp_path: Path, **kw):
    args = dict(train=TRAIN, val=VAL, test=TEST, reflection_model="fake/reflector",
                budget=gp.Budget(iterations=3), archive=tmp_path / "runs.db", progress=False)
    return gp.optimize(kw.pop("seed", "Answer the question."), kw.pop("score", score),
                       **{**args, **kw})


def test_optimize_finds_the_better_prompt_and_reports_val_and_test(tmp_path):
    result = run(tmp_path)
    assert result.status == "finished"
    assert result.best == MAGIC and result.val == 1.0 and result.test == 1.0
    assert result.seed_val == 0.0 and result.frontier[0].candidate == MAGIC
    assert MAGIC in result._repr_html_() and "val 1.000" in str(result)


def test_the_task_models_calls_are_logged_with_their_evaluation_and_reach_reflection(
        tmp_path):
    reflections = []
    FakeLLM("reflector", rule=lambda m: (reflections.append(messages_to_prompt(m)),
                                        reflector(m))[1])
    def quiet(prompt, example):  # its feedback does not repeat the model's answer
        out = gp.answer("fake/solver", f"{prompt}\n{example['q']}")
        return float(out == example["a"]), f"expected {example['a']}"

    result = run(tmp_path, score=quiet)
    calls = gp.open(result.archive).run(result.run_id).calls()
    served = [c for c in calls if c.model == "fake/solver"]
    assert served and all(c.candidate_id and c.instance_id for c in served)
    assert "Output: I think so" in reflections[0] and "expected" in reflections[0]


def test_a_dict_seed_keeps_its_components_and_an_async_score_works(tmp_path):
    async def ascore(cand, example):
        await asyncio.sleep(0)
        return {"score": float(MAGIC in cand["instruction"]), "feedback": "needs the rule"}

    result = run(tmp_path, seed={"instruction": "Answer.", "style": "short"}, score=ascore)
    assert result.best == {"instruction": MAGIC, "style": "short"} or \
        result.best["instruction"] == MAGIC


def test_the_archive_reads_back_typed(tmp_path):
    result = run(tmp_path)
    db = gp.open(result.archive)
    assert [r.id for r in db.runs()] == [result.run_id]
    r = db.run()
    assert r.best.components == {"prompt": MAGIC} and r.best.val == 1.0
    seed = next(c for c in r.candidates() if c.role == "seed")
    assert seed.parents == () and r.best.parents == (seed.id,)
    scores = r.scores(r.best.id, "val")
    assert len(scores) == len(VAL) and all(s.score == 1.0 for s in scores)
    assert r.scores(r.best.id, "test")[0].output == "3"
    assert [i.iteration for i in r.iterations()] == [1, 2, 3]
    assert all(v[0] == 1.0 and r.best.id in v[1] for v in r.frontier().values())
    assert {s.model for s in r.spend()} == {"fake/solver", "fake/reflector"}
    frame = r.to_pandas("candidates")
    assert set(frame["role"]) >= {"seed", "accepted"}


def test_listeners_receive_every_event_in_order(tmp_path):
    got = []
    result = run(tmp_path, listeners=[got.append])
    stored = gp.open(result.archive).run().events()
    assert [(e.kind, e.iteration) for e in got] == [(e.kind, e.iteration) for e in stored]
    assert got[0].kind == "seed" and got[-1].kind == "finish"
    assert isinstance(got[1], gp.events.IterationEnded) and got[1].outcome == "accepted"


def test_a_score_that_raises_is_the_candidates_fault(tmp_path):
    def fragile(prompt, example):
        if MAGIC in prompt:
            raise ValueError("cannot parse the answer")
        return 0.5

    result = run(tmp_path, score=fragile)
    r = gp.open(result.archive).run()
    child = next(c for c in r.candidates() if c.components["prompt"] == MAGIC)
    scores = r.scores(child.id, "train")
    assert scores and all(s.score == 0 and "cannot parse" in s.feedback for s in scores)
    assert result.status == "finished" and result.best == "Answer the question."


def test_a_score_of_the_wrong_type_says_what_it_may_return(tmp_path):
    with pytest.raises(gp.TaskError, match=r"returned list .*return a number, \(number, "
                                           "feedback\\)"):
        run(tmp_path, score=lambda c, e: [1])


def interrupting(after: int):
    """A scoring function that presses Ctrl-C at its ``after``-th call."""
    calls = [0]

    def score_(prompt, example):
        calls[0] += 1
        if calls[0] == after:
            raise KeyboardInterrupt
        return score(prompt, example)

    return score_


def test_an_interrupted_run_continues_with_the_same_call_and_equals_an_unbroken_one(
        tmp_path):
    whole = run(tmp_path / "a", budget=gp.Budget(iterations=4))
    broken = interrupting(12)
    first = run(tmp_path / "b", score=broken, budget=gp.Budget(iterations=4))
    assert first.status == "interrupted" and "optimize(...) again" in first.message
    again = run(tmp_path / "b", score=broken, budget=gp.Budget(iterations=4))
    assert again.run_id == first.run_id and again.status == "finished"
    a, b = gp.open(whole.archive).run(), gp.open(again.archive).run()
    assert [c.id for c in a.candidates()] == [c.id for c in b.candidates()]
    assert [(i.outcome, i.child) for i in a.iterations()] == \
        [(i.outcome, i.child) for i in b.iterations()]


def test_a_changed_scoring_function_or_data_is_refused_for_resume(tmp_path):
    first = run(tmp_path, score=interrupting(3))
    assert first.status == "interrupted"

    def other(prompt, example):
        return float(prompt == example["a"])

    with pytest.raises(gp.TaskError, match="the scoring function changed"):
        run(tmp_path, score=other)
    with pytest.raises(gp.TaskError, match="the val examples changed"):
        run(tmp_path, score=interrupting(3), val=VAL[:-1])
    fresh = run(tmp_path, score=other, resume=False)
    assert fresh.run_id != first.run_id and fresh.status == "finished"


@pytest.mark.parametrize("bad, message", [
    ({"seed": 3}, "seed must be a text"),
    ({"train": []}, "train is empty"),
    ({"val": "abc"}, "val must be a list"),
    ({"score": "score"}, "score must be a function"),
    ({"score": lambda c: 1.0}, "score must take two arguments"),
    ({"budget": {"metric_calls": 3}}, "budget must be galapagos.Budget"),
    ({"overrides": {"loop.minibatch": 3}}, "minibatch"),
    ({"config": {"selector": {"kind": "paretto"}}}, "paretto"),
])
def test_bad_arguments_raise_a_typed_error_before_anything_is_written(tmp_path, bad, message):
    with pytest.raises(gp.ConfigError, match=message):
        run(tmp_path, **bad)
    assert not (tmp_path / "runs.db").exists()


def test_the_cli_cannot_resume_a_python_run_and_says_how(tmp_path):
    first = run(tmp_path, score=interrupting(3))
    import galapagos.tasks.registry as registry

    registry._inline.clear()  # as in another process
    with pytest.raises(gp.TaskNotFound, match=r"defined in Python.*optimize\(\.\.\.\) again"):
        resume_run(first.archive, first.run_id)


def test_open_says_when_there_is_no_archive(tmp_path):
    with pytest.raises(gp.ConfigError, match="No archive at"):
        gp.open(tmp_path / "none.db")


def test_the_exports_are_the_documented_names_and_each_has_a_docstring():
    assert set(gp.__all__) - {"__version__"} == set(gp._WHERE)
    undocumented = [n for n in gp.__all__ if n != "__version__" and not getattr(gp, n).__doc__]
    assert undocumented == []


def test_ctrl_c_stops_at_a_safe_point_and_says_how_to_continue(tmp_path):
    import os
    import signal

    calls = [0]

    def pressing(prompt, example):
        calls[0] += 1
        if calls[0] == 8:
            os.kill(os.getpid(), signal.SIGINT)  # as the kernel's Interrupt does
        return score(prompt, example)

    first = run(tmp_path, score=pressing)
    assert first.status == "interrupted" and "optimize(...) again" in first.message
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    again = run(tmp_path, score=pressing)
    assert again.run_id == first.run_id and again.status == "finished" and again.val == 1.0


def test_a_program_seed_has_its_knobs_tuned_by_carbs_from_python(tmp_path):
    import math
    import re

    def knob(files):
        return float(re.search(r"X = ([-+0-9.eE]+)", files["recipe.py"])[1])

    def peaked(files, example):  # best at X = 7, whatever the example
        return math.exp(-abs(math.log(knob(files) / 7.0)))

    seed = gp.Program({"recipe.py": "X = 1.0  # knob: log 0.01..100\n"}, editable=("*.py",))
    result = run(tmp_path, seed=seed, score=peaked, budget=gp.Budget(iterations=25),
                 overrides={"proposers.use": ["carbs"], "loop.acceptance": "non_decreasing"})
    assert set(result.best) == {"recipe.py"} and "# knob: log 0.01..100" in \
        result.best["recipe.py"]
    assert 5.0 < knob(result.best) < 10.0 and result.val > 0.7 > result.seed_val


def test_a_score_whose_backend_is_down_is_retried_and_never_scored(tmp_path):
    def down(prompt, example):
        raise ConnectionError("the grading service refused the connection")

    with pytest.raises(gp.InfrastructureError, match="refused the connection"):
        run(tmp_path, score=down, overrides={"loop.infra_retries": 1,
                                             "loop.infra_backoff_s": 0.0})
    r = gp.open(tmp_path / "runs.db").run()
    assert r.row.status == "failed" and r.row.search_calls == 0  # nothing cached as a score
