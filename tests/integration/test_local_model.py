"""The real path: the built-in sentiment task on the embedded Gemma 3 270M model, with the
local model also as the reflection LLM. Small splits keep it near a minute on 2 cores."""

import importlib.util

import pytest

from galapagos.archive import Archive
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.runner import start_run

pytestmark = [pytest.mark.local_llm, pytest.mark.slow]

if importlib.util.find_spec("llama_cpp") is None:
    pytest.fail("llama-cpp-python is not installed: run scripts/setup.sh (the local-model "
                "tests must not be skipped)", pytrace=False)


def test_evolution_on_the_local_model_beats_the_seed(tmp_path):
    cfg = load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db"), "seed": 0},
        "task": {"name": "sentiment", "options": {"max_val": 24, "max_test": 24}},
        "llm": {"model": "local/gemma3-270m", "max_tokens": 60},
        "proposers": {"use": ["reflective", "demos"], "weights": {"demos": 3}},
        "budget": {"max_iterations": 8},
    })
    out = start_run(cfg)
    s = out.summary
    assert out.status == "finished"
    assert s["val"][s["best"]] > s["val"][s["seed"]] + 0.2
    assert s["test"][s["best"]] > s["test"][s["seed"]] + 0.2
    calls = Archive(out.archive).llm_calls(out.run_id)
    assert {c["model"] for c in calls} == {"local/gemma3-270m"}
    assert {c["purpose"] for c in calls} >= {"task"}


def test_a_prompt_longer_than_the_context_still_gets_an_answer():
    """Answers shrink to the room left; a prompt past the window keeps its end."""
    from galapagos.agents.llm import LLMClient

    c = LLMClient("local/gemma3-270m", max_tokens=600)
    for words in (1800, 4000):  # 1,800 words leave under 600 tokens; 4,000 overflow
        out = c.complete("word " * words + "\nThe end.", purpose="t")
        assert out.prompt_tokens + out.completion_tokens <= 2048
        assert out.completion_tokens > 0


def test_the_base_model_writes_instructions_when_given_documents(tmp_path):
    """Completion-style reflection with the embedded base model: its answers become
    children, where the instruction-style request mostly yields nothing usable."""
    rows = [{"id": f"{s}{k}", "split": s, "input": f"Is {w} a colour?",
             "answer": "yes" if w in ("red", "blue", "green") else "no",
             "choices": ["yes", "no"]}
            for s in ("train", "val") for k, w in enumerate(
                ["red", "table", "blue", "dog", "green", "chair"])]
    data = tmp_path / "qa.jsonl"
    data.write_text("\n".join(__import__("json").dumps(r) for r in rows))
    kept = {}
    for style in ("instruct", "completion"):
        cfg = load_config(None, base={
            "run": {"archive": str(tmp_path / f"{style}.db")},
            "task": {"name": "qa", "options": {"data": str(data)}},
            "llm": {"max_tokens": 120},
            "proposers": {"use": ["reflective"], "reflective": {"style": style}},
            "loop": {"skip_perfect": False},
            "budget": {"max_iterations": 10, "stop_at_perfect": False}})
        out = start_run(cfg)
        events = Archive(out.archive).events(out.run_id, "iteration")
        kept[style] = sum(1 for e in events if "child_mb" in e["data"])
    assert kept["completion"] >= 3 and kept["completion"] > kept["instruct"]
