"""The LLM gateway: how a sandboxed agent reaches a model while its sandbox keeps no
network. Each evaluation gets a session: a folder holding a Unix socket and a stdlib-only
client (``galapagos_llm.py``), mounted read-only into that evaluation's sandbox. The socket
speaks OpenAI's chat-completions over HTTP/1.1; behind it the run's own LLM client makes
the call, so API keys stay on the host, every call lands in ``llm_calls`` with the
candidate and instance it served, the run's budget holds, and answers are cached by
(candidate, instance, prompt, n-th asking): a resumed evaluation pays for nothing twice.

Who calls is known by the socket, not by anything the agent says: an agent can reach its
own session only. What an agent can do to the host is bounded (``wire.Wire``); what it may
spend is capped per evaluation (``caps.Caps``). A fault that is not the agent's (the
budget, a model's API) is kept on the session and raised by the task after the run, so it
is never scored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import litellm

from galapagos.agents.gateway import chat
from galapagos.agents.gateway.caps import Caps, Meter
from galapagos.agents.gateway.wire import HTTPFault, Wire, error, read_request, response
from galapagos.agents.llm import LLMClient
from galapagos.agents.llm.providers import count_tokens

CLIENT = Path(__file__).with_name("galapagos_llm.py")
SOCKET = "llm.sock"


class Session:
    """One evaluation's door: its socket, caps, meter, the calls it made (its trace) and
    the fault, if any, that must not be scored."""

    def __init__(self, folder: Path, served: dict[str, str], caps: Caps, purpose: str):
        self.folder, self.served, self.caps, self.purpose = folder, served, caps, purpose
        self.meter, self.calls, self.open = Meter(), [], 0
        self.fault: BaseException | None = None
        self.refused: list[str] = []
        self._asked: Counter[str] = Counter()
        self.lock = asyncio.Lock()

    @property
    def socket(self) -> Path:
        return self.folder / SOCKET

    def cache_key(self, model: str, messages: list[dict[str, str]],
                  params: dict[str, Any]) -> str:
        what = json.dumps([model, messages, params], sort_keys=True)
        self._asked[what] += 1  # the same prompt asked again is another call
        blob = json.dumps([self.served, what, self._asked[what]], sort_keys=True)
        return "gw:" + hashlib.sha256(blob.encode()).hexdigest()[:32]

    def raise_fault(self) -> None:
        """After the agent's run: a fault of the machinery stops the evaluation here."""
        if self.fault is not None:
            raise self.fault


class Gateway:
    def __init__(self, client: Callable[[str], LLMClient], models: Sequence[str],
                 caps: Caps | None = None, wire: Wire | None = None):
        if not models:
            raise ValueError("the gateway needs at least one allowed model")
        self._client_for, self.models = client, tuple(models)
        self.caps, self.wire = caps or Caps(), wire or Wire()
        self._clients: dict[str, LLMClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start = threading.Lock()

    @contextmanager
    def session(self, served: dict[str, str], *, purpose: str = "agent",
                caps: Caps | None = None) -> Iterator[Session]:
        folder = Path(tempfile.mkdtemp(prefix="galapagos-gw-"))
        os.chmod(folder, 0o755)  # the sandbox's users reach the socket through the mount
        shutil.copy(CLIENT, folder / CLIENT.name)
        os.chmod(folder / CLIENT.name, 0o644)
        sess = Session(folder, served, caps or self.caps, purpose)
        server = self._run(asyncio.start_unix_server(
            partial(self._serve, sess), path=str(sess.socket), limit=self.wire.header_bytes))
        os.chmod(sess.socket, 0o666)
        try:
            yield sess
        finally:
            self._run(_shut(server))
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = None

    def _run(self, coro: Any) -> Any:
        with self._start:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="galapagos-gateway",
                                 daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    async def _serve(self, sess: Session, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        try:
            if sess.open >= self.wire.connections:
                raise HTTPFault(503, f"more than {self.wire.connections} connections at once "
                                "from one evaluation", "server_error")
            sess.open += 1
            try:
                data = response(200, await self._handle(sess, await read_request(
                    reader, self.wire)))
            finally:
                sess.open -= 1
        except HTTPFault as fault:
            sess.refused.append(f"{fault.status} {fault.message}"[:200])
            data = error(fault)
        except (asyncio.IncompleteReadError, ConnectionError):
            data = b""
        except Exception as exc:  # noqa: BLE001 - an answer, never a traceback on the host
            sess.refused.append(f"500 {type(exc).__name__}"[:200])
            data = error(HTTPFault(500, f"the gateway could not handle this request "
                                   f"({type(exc).__name__})", "server_error"))
        await _send(writer, data, self.wire.body_s)

    async def _handle(self, sess: Session, req: Any) -> dict[str, Any]:
        if req.path == "/v1/models":
            return {"object": "list", "data": [{"id": m, "object": "model"}
                                               for m in self.models]}
        if req.path != "/v1/chat/completions":
            raise HTTPFault(404, f"no such endpoint {req.path[:80]!r}; POST "
                            "/v1/chat/completions")
        if req.method != "POST":
            raise HTTPFault(405, "use POST for /v1/chat/completions")
        model, messages, params, asked = chat.parse(req.body, self.models)
        async with sess.lock:  # one call at a time per evaluation: a deterministic order
            return await self._call(sess, model, messages, params, asked)

    async def _call(self, sess: Session, model: str, messages: list[dict[str, str]],
                    params: dict[str, Any], asked: int | None) -> dict[str, Any]:
        if sess.fault is not None:
            raise HTTPFault(503, f"the gateway cannot serve this evaluation: {sess.fault}",
                            "server_error")
        if why := sess.meter.refusal(sess.caps):
            raise HTTPFault(429, why, "rate_limit_error")
        prompt = await asyncio.to_thread(count_tokens, model, messages)
        if why := sess.meter.refusal(sess.caps, prompt):  # counted before it is paid for
            raise HTTPFault(429, why, "rate_limit_error")
        params = {**params, "max_tokens": sess.meter.room(sess.caps, asked, prompt)}
        key = sess.cache_key(model, messages, params)
        try:
            out = await asyncio.to_thread(self._client(model).complete, messages,
                                          purpose=sess.purpose, cache_key=key,
                                          served=sess.served, **params)
        except Exception as exc:  # noqa: BLE001 - sorted: the agent's request, or not its fault
            if isinstance(exc.__cause__, getattr(litellm, "BadRequestError", ())):
                raise HTTPFault(400, f"the model refused the request: {exc}"[:400]) from None
            sess.fault = exc
            raise HTTPFault(503, f"the gateway cannot serve this evaluation: {exc}"[:400],
                            "server_error") from None
        m = sess.meter
        m.calls, m.tokens = m.calls + 1, m.tokens + out.prompt_tokens + out.completion_tokens
        m.cost_usd += out.cost_usd
        sess.calls.append({"model": model, "prompt_tokens": out.prompt_tokens,
                           "completion_tokens": out.completion_tokens, "cached": out.cached,
                           "cost_usd": out.cost_usd, "latency_s": round(out.latency_s, 4)})
        return chat.answer(model, out, m.calls)

    def _client(self, model: str) -> LLMClient:
        if model not in self._clients:
            self._clients[model] = self._client_for(model)
        return self._clients[model]


async def _send(writer: asyncio.StreamWriter, data: bytes, seconds: float) -> None:
    """Answer and hang up; a reader too slow to take the answer is cut off."""
    try:
        if data:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), seconds)
    except (asyncio.TimeoutError, ConnectionError):
        writer.transport.abort()
    finally:
        writer.close()


async def _shut(server: asyncio.AbstractServer) -> None:
    server.close()
    await server.wait_closed()
