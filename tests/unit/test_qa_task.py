"""The qa task: JSONL questions, exact match after normalising, multiple choice."""

import json
from types import SimpleNamespace

import pytest

from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.errors import TaskError
from galapagos.tasks.protocol import TaskContext
from galapagos.tasks.qa import create, matches, normalize


def write(tmp_path, rows):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


ROWS = [{"id": "a", "split": "train", "input": "2+2?", "answer": "4"},
        {"id": "b", "split": "val", "input": "Capital of France?", "answer": ["Paris", "paris"],
         "choices": ["Rome", "Paris"]},
        {"id": "c", "split": "test", "input": "Sky?", "answer": "blue"}]


def task(tmp_path, fake, rows=ROWS, **opts):
    llm = lambda model: LLMClient(model)  # noqa: E731
    return create(TaskContext({"data": str(write(tmp_path, rows)), "model": fake.model, **opts},
                              llm=llm))


def test_normalising_and_matching():
    assert normalize('  "Paris." ') == "paris" and normalize("New   York!") == "new york"
    assert matches(" paris\nbecause", ["Paris"]) and not matches("Paris, France", ["Paris"])
    assert not matches("", ["x"]) and matches("T", ["T"]) and not matches("TF", ["T"])


def test_multiple_choice_prompt_and_scores(tmp_path):
    fake = FakeLLM("qa").enqueue(" Paris.\n", "Rome")
    t = task(tmp_path, fake)
    b = next(i for i in t.instances() if i.id == "b")
    assert b.input == "Capital of France?\nOptions: Rome | Paris" and b.expected == "Paris"
    cand = {"instruction": "Answer.", "demos": json.dumps([{"input": "1+1?", "output": "2"}])}
    ok = t.evaluate(cand, b)
    assert ok.score == 1.0 and ok.output == "Paris." and ok.feedback == "Correct."
    prompt = fake.calls[0][-1]["content"]
    assert prompt == ("Answer.\n\nQuestion: 1+1?\nAnswer: 2\n\nQuestion: Capital of France?\n"
                      "Options: Rome | Paris\nAnswer:")
    bad = t.evaluate(cand, b)
    assert bad.score == 0.0 and "Expected 'Paris'" in bad.feedback
    assert t.seed_candidate() == {"instruction": "Answer the question.", "demos": "[]"}
    assert t.perfect_score == 1.0 and t.fingerprint().startswith("qa:")


@pytest.mark.parametrize("row,needle", [
    ({"id": 1, "split": "dev", "input": "x", "answer": "y"}, "split"),
    ({"id": 1, "split": "train", "input": "x"}, "answer"),
    ({"id": 1, "split": "train", "input": "x", "answer": ""}, "answer"),
    ({"id": 1, "split": "train", "input": 3, "answer": "y"}, "input"),
])
def test_bad_rows_and_options_are_named(tmp_path, row, needle):
    fake = FakeLLM("qa2")
    with pytest.raises(TaskError, match=r"qa.jsonl:1 is not a valid row") as err:
        task(tmp_path, fake, rows=[row])
    assert needle in str(err.value)
    with pytest.raises(TaskError, match="Unknown qa task option"):
        task(tmp_path, fake, colour="red")
    with pytest.raises(TaskError, match="needs .task.options. data"):
        create(TaskContext({}, llm=lambda m: SimpleNamespace(model=m)))
    with pytest.raises(TaskError, match="does not exist"):
        create(TaskContext({"data": str(tmp_path / "none.jsonl")}, llm=lambda m: None))


def test_limits_per_split(tmp_path):
    rows = [{"id": str(k), "split": "val", "input": "q", "answer": "a"} for k in range(5)]
    t = task(tmp_path, FakeLLM("qa3"), rows=rows, max_val=2)
    assert [i.id for i in t.instances()] == ["0", "1"]
