"""The LLM path against a real HTTP server on loopback that injects faults: 429, 500, a
hang past the client's timeout, empty content, a body cut off mid-JSON, a body that is not
JSON. Configured the way users point at vLLM / llama.cpp / Ollama: ``api_base``."""

import re

import pytest

from galapagos.agents.llm import LLMClient
from galapagos.agents.llm.fake import deterministic_answer
from galapagos.archive import Archive
from galapagos.orchestrator.runner import Hooks, start_run
from tests.conftest import toy_config
from tests.fixtures.fault_server import KINDS, FaultServer
from tests.unit.test_loop import snapshot

GOOD = ("great", "love", "excellent", "wonderful", "best", "perfect", "amazing", "enjoy")


def canned(messages, body):
    """A stand-in model: rewrites fenced blocks like fake/deterministic (reflection), and
    labels a review by its words, but only when the prompt shows demonstrations (task)."""
    prompt = " ".join(str(m["content"]) for m in messages)
    if "```" in prompt:
        return deterministic_answer(messages)
    if "Sentiment: positive" not in prompt and "Sentiment: negative" not in prompt:
        return "unsure"
    review = prompt.rsplit("Review:", 1)[-1].lower()
    return "positive" if any(w in review for w in GOOD) else "negative"


def client(srv, **kw):
    return LLMClient("openai/m", api_base=srv.base_url, sleep=lambda s: None, **kw)


def test_a_retry_keeps_the_calls_own_parameters(archive):
    with FaultServer(canned, script=["500", "429", None]) as srv:
        out = client(srv, log=archive, run_id="r", max_tokens=512).complete(
            "say hi", purpose="task", max_tokens=3, temperature=0.0, stop=["\n"])
    assert out.text == "unsure"
    sent = [r["body"] for r in srv.requests]
    assert [b["max_tokens"] for b in sent] == [3, 3, 3]
    assert [b["temperature"] for b in sent] == [0.0, 0.0, 0.0]
    assert all(b["stop"] == ["\n"] for b in sent)
    assert [r["attempt"] for r in archive.llm_calls("r")] == [1, 2, 3]


@pytest.mark.parametrize("kind", KINDS)
def test_each_fault_is_retried_and_every_attempt_logged(archive, kind):
    with FaultServer(canned, script=[kind, None], hang_s=1.5) as srv:
        out = client(srv, log=archive, run_id="r", timeout_s=0.5, max_retries=2).complete(
            "```\nx\n```", purpose="reflect")
    assert "Revision" in out.text  # the real answer, from the second attempt
    rows = archive.llm_calls("r")
    assert [r["attempt"] for r in rows] == [1, 2] and len(srv.requests) == 2
    assert rows[0]["error"] and rows[0]["response"] is None and rows[1]["error"] is None


def test_faults_past_the_retries_fail_the_call_clearly(archive):
    from galapagos.errors import LLMError

    with FaultServer(canned, rate=1.0, kinds=("500",)) as srv:
        with pytest.raises(LLMError, match=r"openai/m failed after 3 attempt\(s\)"):
            client(srv, log=archive, run_id="r", max_retries=2).complete("x", purpose="p")
    assert len(archive.llm_calls("r")) == 3


def sentiment_run(tmp_path, srv, **budget):
    cfg = toy_config(
        tmp_path, task={"name": "sentiment", "llm": {"api_base": srv.base_url,
                                                     "timeout_s": 0.5, "max_retries": 8},
                        "options": {"model": "openai/task", "max_train": 12, "max_val": 10,
                                    "max_test": 10}},
        llm={"model": "openai/reflect", "api_base": srv.base_url, "timeout_s": 0.5,
             "max_retries": 8, "temperature": 0.0},
        proposers={"use": ["reflective", "demos"]},
        budget={"max_iterations": 8, **budget})
    return start_run(cfg, Hooks(sleep=lambda s: None))


@pytest.mark.slow
def test_a_full_run_behind_a_faulty_server_equals_a_clean_run(tmp_path):
    with FaultServer(canned, rate=0.0) as clean_srv:
        clean = sentiment_run(tmp_path / "clean", clean_srv)
    with FaultServer(canned, rate=0.3, seed=7, hang_s=1.0) as srv:
        faulty = sentiment_run(tmp_path / "faulty", srv)
    assert clean.status == faulty.status == "finished"
    assert clean_srv.faults() == [] and {*srv.faults()} == {*KINDS}  # every kind was met
    a, b = snapshot(clean.archive, clean.run_id), snapshot(faulty.archive, faulty.run_id)
    assert b["candidates"] == a["candidates"]   # nothing malformed was adopted
    assert b["evaluations"] == a["evaluations"]  # no evaluation lost, none scored from a fault
    assert b["best"] == a["best"] and clean.summary["val"][a["best"]] > 0
    rows = Archive(faulty.archive).llm_calls(faulty.run_id)
    assert len(rows) == len(srv.requests)        # every attempt is in llm_calls
    assert sum(1 for r in rows if r["error"]) == len(srv.faults())
    assert not Archive(faulty.archive).eval_errors(faulty.run_id)  # retries absorbed them
    evals = Archive(faulty.archive).db.execute(
        "select count(*), count(distinct candidate_id || instance_id || split) "
        "from evaluations").fetchone()
    assert evals[0] == evals[1]
    task_calls = [r for r in rows if r["purpose"] == "task" and not r["error"]]
    assert len(task_calls) == evals[0]            # each evaluation's model call paid once


def test_api_base_from_config_reaches_the_server(tmp_path):
    with FaultServer(canned) as srv:
        out = sentiment_run(tmp_path, srv, max_iterations=4)
    models = {r["body"]["model"] for r in srv.requests}
    assert out.status == "finished" and models == {"task", "reflect"}
    assert all(re.fullmatch(r"[a-z]+", m) for m in models)
