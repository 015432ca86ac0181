import litellm
import pytest

from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.errors import BudgetExhausted, LLMError, LLMTimeout, LLMUnexpectedCall


def timeout():
    return litellm.Timeout(message="took too long", model="fake/x", llm_provider="fake")


def rate_limit():
    return litellm.RateLimitError(message="slow down", model="fake/x", llm_provider="fake")


def client(fake, archive=None, **kw):
    sleeps = []
    c = LLMClient(fake.model, log=archive, run_id="r" if archive else None,
                  sleep=sleeps.append, backoff_s=1.0, **kw)
    return c, sleeps


def test_answers_in_order_and_logs_each_call(archive):
    fake = FakeLLM("order").enqueue("one", "two")
    c, _ = client(fake, archive)
    assert c.complete("a", purpose="p").text == "one"
    assert c.complete("b", purpose="p").text == "two"
    rows = archive.llm_calls("r")
    assert [r["response"] for r in rows] == ["one", "two"]
    assert rows[0]["model"] == "fake/order" and rows[0]["purpose"] == "p"
    assert '"content": "a"' in rows[0]["messages"]


def test_transient_errors_retry_with_backoff_then_succeed(archive):
    fake = FakeLLM("retry").enqueue(timeout(), rate_limit(), "ok")
    c, sleeps = client(fake, archive, max_retries=3)
    assert c.complete("x", purpose="p").text == "ok"
    assert sleeps == [1.0, 2.0]  # exponential backoff on the injected clock
    errors = [r["error"] for r in archive.llm_calls("r")]
    assert errors[0].startswith("Timeout") and errors[1].startswith("RateLimitError")
    assert errors[2] is None


def test_retries_exhausted_raise_typed_error(archive):
    fake = FakeLLM("dead").enqueue(timeout(), timeout(), timeout())
    c, sleeps = client(fake, archive, max_retries=2)
    with pytest.raises(LLMTimeout, match="after 3 attempt"):
        c.complete("x", purpose="p")
    assert len(sleeps) == 2 and len(archive.llm_calls("r")) == 3


def test_server_error_is_retried():
    err = litellm.InternalServerError(message="boom", model="fake/x", llm_provider="fake")
    fake = FakeLLM("5xx").enqueue(err, "fine")
    c, sleeps = client(fake)
    assert c.complete("x", purpose="p").text == "fine" and sleeps == [1.0]


def test_non_transient_error_is_not_retried():
    err = litellm.BadRequestError(message="bad", model="fake/x", llm_provider="fake")
    fake = FakeLLM("bad").enqueue(err, "never")
    c, sleeps = client(fake)
    with pytest.raises(LLMError, match="BadRequestError"):
        c.complete("x", purpose="p")
    assert sleeps == [] and list(fake.queue) == ["never"]


def test_unexpected_call_fails_loudly():
    fake = FakeLLM("empty")
    c, _ = client(fake)
    with pytest.raises(LLMUnexpectedCall, match="no scripted answer"):
        c.complete("hello", purpose="p")


def test_cache_key_reuses_a_paid_answer(archive):
    fake = FakeLLM("cache").enqueue("first")
    c, _ = client(fake, archive)
    assert c.complete("q", purpose="p", cache_key="k1").text == "first"
    again = c.complete("q", purpose="p", cache_key="k1")
    assert again.text == "first" and again.cached
    assert len(fake.calls) == 1 and len(archive.llm_calls("r")) == 1


def test_the_budget_guard_is_asked_before_the_call(archive, tmp_path):
    from galapagos.orchestrator.budget import Budget
    from galapagos.orchestrator.config import BudgetConfig

    budget = Budget(BudgetConfig(max_llm_tokens=3), tmp_path / "stop", archive, "r")
    fake = FakeLLM("budget").enqueue("a b c d e f", "never")
    c, _ = client(fake, archive, guard=budget.spent)
    c.complete("one two three", purpose="p")
    with pytest.raises(BudgetExhausted, match=r"budget: LLM tokens \(\d+ of 3\)"):
        c.complete("x", purpose="p")
    assert list(fake.queue) == ["never"]


def test_deterministic_fake_is_a_function_of_the_prompt():
    c = LLMClient("fake/deterministic")
    a = c.complete("improve\n```\nhello\n```\n", purpose="p").text
    assert a == c.complete("improve\n```\nhello\n```\n", purpose="p").text
    assert "hello" in a and a.count("```") == 2


def test_calls_made_during_an_evaluation_name_its_candidate_and_instance(tmp_path):
    from galapagos.agents.llm import scope
    from galapagos.archive import Archive

    archive = Archive(tmp_path / "a.db")
    FakeLLM("scoped").enqueue("a", "b")
    client = LLMClient("fake/scoped", log=archive, run_id="r")
    with scope.evaluation("cand", "inst"):
        client.complete("x", purpose="task")
    client.complete("y", purpose="reflect")
    assert [(r["candidate_id"], r["instance_id"]) for r in archive.llm_calls("r")] == [
        ("cand", "inst"), (None, None)]
