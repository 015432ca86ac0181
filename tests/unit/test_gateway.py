"""The LLM gateway on a real Unix socket: the OpenAI-format path, per-evaluation caps at
the exact call, attribution and caching in a real archive, and a hostile client (huge
bodies and heads, slow-loris, 100 connections, garbage, a model not allowed) that gets an
error while the evaluation goes on."""

import asyncio
import importlib.util
import json
import socket
import threading
import time

import pytest

from galapagos.agents.gateway import CLIENT, Caps, Gateway, Wire
from galapagos.agents.llm import FakeLLM, LLMClient
from galapagos.archive import Archive
from galapagos.errors import BudgetExhausted

SERVED = {"candidate_id": "cand-1", "instance_id": "repo/x"}


@pytest.fixture
def client():
    spec = importlib.util.spec_from_file_location("galapagos_llm_test", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def archive(tmp_path):
    return Archive(tmp_path / "a.db")


def gateway(archive, name="gw", caps=None, wire=None, guard=None, **fake):
    FakeLLM(name, rule=lambda m: "answer to " + m[-1]["content"], **fake)
    return Gateway(lambda model: LLMClient(model, log=archive, run_id="r", guard=guard),
                   [f"fake/{name}"], caps or Caps(), wire or Wire())


def raw(sock_path, data, *, read=True, timeout=10.0):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(str(sock_path))
    s.sendall(data)
    out = b""
    while read:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def test_an_agent_call_is_answered_recorded_and_attributed(archive, client):
    gw = gateway(archive)
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        assert client.models(sock) == ["fake/gw"]
        answer = client.complete([{"role": "user", "content": "hi"}], socket_path=sock,
                                 max_tokens=20)
    assert answer["choices"][0]["message"]["content"] == "answer to hi"
    assert answer["usage"]["total_tokens"] > 0
    rows = archive.llm_calls("r")
    assert [(r["candidate_id"], r["instance_id"], r["purpose"]) for r in rows] == [
        ("cand-1", "repo/x", "agent")]
    assert sess.calls[0]["cached"] is False and sess.meter.calls == 1


def test_caps_bind_at_the_exact_call(archive, client):
    gw = gateway(archive, caps=Caps(calls=3))
    with gw.session(SERVED) as sess:
        answers = [client.chat(f"q{n}", socket_path=str(sess.socket)) for n in range(3)]
        with pytest.raises(client.GatewayError) as err:
            client.chat("q3", socket_path=str(sess.socket))
    assert len(answers) == 3 and err.value.status == 429 and "3 of 3 calls" in err.value.message
    assert len(archive.llm_calls("r")) == 3  # the refused call never reached the model


def test_token_cap_lowers_max_tokens_then_refuses(archive, client):
    seen = []
    gw = gateway(archive, caps=Caps(tokens=12, max_tokens=100))
    real = gw._client

    def spy(model):
        c = real(model)
        orig = c.complete
        c.complete = lambda *a, **k: seen.append(k["max_tokens"]) or orig(*a, **k)
        return c
    gw._client = spy
    with gw.session(SERVED) as sess:
        client.chat("one two three", socket_path=str(sess.socket), max_tokens=500)
        with pytest.raises(client.GatewayError) as err:
            while True:
                client.chat("one two three", socket_path=str(sess.socket))
    # the 3-token prompt is counted first: the answer gets what is left of the 12
    assert seen[0] == 9 and err.value.status == 429 and "tokens" in err.value.message


def test_a_resumed_evaluation_pays_for_nothing_twice(archive, client):
    gw = gateway(archive, "cache")
    for _ in range(2):  # the same evaluation again, as after kill -9 and resume
        with gw.session(SERVED) as sess:
            texts = [client.chat("same", socket_path=str(sess.socket)) for _ in range(2)]
            texts.append(client.chat("other", socket_path=str(sess.socket)))
    assert [c["cached"] for c in sess.calls] == [True, True, True]
    assert len(archive.llm_calls("r")) == 3  # the n-th asking of a prompt is its own call
    with gw.session({**SERVED, "instance_id": "repo/y"}) as sess:
        client.chat("same", socket_path=str(sess.socket))
    assert sess.calls[0]["cached"] is False  # another instance pays for its own


def test_model_not_allowed_and_bad_bodies_get_errors_and_the_session_goes_on(archive, client):
    gw = gateway(archive)
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        with pytest.raises(client.GatewayError) as err:
            client.chat("hi", model="openai/gpt-4o", socket_path=sock)
        assert err.value.status == 403 and "not allowed" in err.value.message
        for body in (b"{not json", b"[1, 2]", json.dumps({"model": "fake/gw"}).encode(),
                     json.dumps({"model": "fake/gw", "messages": [{"role": "user"}]}).encode(),
                     json.dumps({"model": "fake/gw", "messages": [{"role": "user",
                                 "content": "x"}], "tools": []}).encode()):
            out = raw(sock, b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\n\r\n" + body)
            assert out.startswith(b"HTTP/1.1 400"), out[:200]
        assert raw(sock, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert raw(sock, b"GET /admin HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 404")
        assert client.chat("still here", socket_path=sock) == "answer to still here"
    assert sess.fault is None


def test_oversized_body_and_head_are_refused_unread(archive, client):
    gw = gateway(archive, wire=Wire(body_bytes=1000, header_bytes=2048))
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        out = raw(sock, b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 50000000\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 413")
        out = raw(sock, b"POST /v1/chat/completions HTTP/1.1\r\nX: " + b"a" * 10000 + b"\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 431")
        with pytest.raises(client.GatewayError) as err:
            client.chat("x" * 5000, socket_path=sock)
        assert err.value.status == 413
        assert client.chat("fine", socket_path=sock) == "answer to fine"


def test_slow_loris_is_cut_off_and_others_are_served_meanwhile(archive, client):
    gw = gateway(archive, wire=Wire(header_s=0.5, body_s=0.5))
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        start = time.monotonic()
        out = raw(sock, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")  # never ends
        assert out.startswith(b"HTTP/1.1 408") and time.monotonic() - start < 5
        slow = socket.socket(socket.AF_UNIX)
        slow.connect(sock)
        slow.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        assert client.chat("meanwhile", socket_path=sock) == "answer to meanwhile"
        assert slow.recv(1000).startswith(b"HTTP/1.1 408")  # the body never came
        slow.close()


def test_a_hundred_connections_at_once_get_an_error_and_the_run_goes_on(archive, client):
    gw = gateway(archive, wire=Wire(connections=8, header_s=2.0))
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        held = []
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            held.append(s)
        time.sleep(0.3)
        refused = 0
        for s in held:
            s.settimeout(5)
            try:
                data = s.recv(100)
            except (TimeoutError, socket.timeout):
                data = b""
            refused += data.startswith(b"HTTP/1.1 503")
            s.close()
        assert refused >= 90  # past the first 8, each is answered 503 at once
        assert client.chat("after the flood", socket_path=sock) == "answer to after the flood"


def test_a_budget_stop_is_a_fault_of_the_session_never_the_agents(archive, client):
    gw = gateway(archive, guard=lambda: "budget: dollars ($1.00 of $1.00)")
    with gw.session(SERVED) as sess:
        with pytest.raises(client.GatewayError) as err:
            client.chat("hi", socket_path=str(sess.socket))
    assert err.value.status == 503 and "budget" in err.value.message
    with pytest.raises(BudgetExhausted):
        sess.raise_fault()


def test_concurrent_sessions_are_kept_apart(archive, client):
    gw = gateway(archive)
    out = {}

    def one(n):
        with gw.session({"candidate_id": "c", "instance_id": f"i{n}"}) as sess:
            out[n] = [client.chat(f"{n}-{k}", socket_path=str(sess.socket)) for k in range(3)]
    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert out == {n: [f"answer to {n}-{k}" for k in range(3)] for n in range(4)}
    rows = archive.llm_calls("r")
    assert sorted({r["instance_id"] for r in rows}) == ["i0", "i1", "i2", "i3"]
    assert asyncio.iscoroutinefunction(gw._serve)


def post(sock, payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return raw(sock, b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)


def test_a_prompt_past_the_token_cap_is_refused_before_it_is_paid_for(archive, client):
    gw = gateway(archive, caps=Caps(tokens=2000))
    with gw.session(SERVED) as sess:
        with pytest.raises(client.GatewayError) as err:
            client.chat("word " * 60_000, socket_path=str(sess.socket))
        assert err.value.status == 429 and "60000 tokens" in err.value.message
        assert client.chat("short", socket_path=str(sess.socket)) == "answer to short"
    assert sess.meter.tokens < 2000 and len(archive.llm_calls("r")) == 1


BAD = {"temperature": "hot", "stop": 12345, "seed": "abc"}
ALSO_BAD = [{"temperature": True}, {"temperature": 9.5}, {"top_p": -1}, {"seed": 2 ** 70},
            {"seed": 1.5}, {"stop": ["a"] * 5}, {"stop": [""]}, {"max_tokens": True}]


@pytest.mark.parametrize("params", [{k: v} for k, v in BAD.items()] + ALSO_BAD)
def test_bad_parameter_types_are_the_agents_400_never_the_gateways_fault(archive, params):
    gw = gateway(archive)
    with gw.session(SERVED) as sess:
        out = post(str(sess.socket), {"model": "fake/gw", "messages": [
            {"role": "user", "content": "hi"}], **params})
    assert out.startswith(b"HTTP/1.1 400"), out[:300]
    assert next(iter(params)) in out.decode()
    assert sess.fault is None and archive.llm_calls("r") == []


def test_unreadable_bodies_get_400_and_no_traceback(archive, client, capsys):
    gw = gateway(archive)
    deep = b'{"model": "fake/gw", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    huge_int = b'{"model": "fake/gw", "max_tokens": ' + b"9" * 5000 + b"}"
    surrogate = b'{"model": "fake/gw", "messages": [{"role": "user", "content": "\\udcff"}]}'
    with gw.session(SERVED) as sess:
        sock = str(sess.socket)
        for body in (deep, huge_int, surrogate):
            out = post(sock, body)
            assert out.startswith(b"HTTP/1.1 400"), (body[:60], out[:300])
        assert client.chat("still here", socket_path=sock) == "answer to still here"
    assert sess.fault is None
    assert "Traceback" not in capsys.readouterr().err


def test_an_unexpected_fault_in_the_gateway_is_answered_500(archive, client, monkeypatch):
    gw = gateway(archive)

    async def broken(sess, req):
        raise RuntimeError("boom")
    monkeypatch.setattr(gw, "_handle", broken)
    with gw.session(SERVED) as sess:
        assert post(str(sess.socket), {"model": "fake/gw"}).startswith(b"HTTP/1.1 500")
