"""The one LLM client every call goes through: litellm for any provider, our ``local/``
and ``fake/`` providers through the same path. Each attempt is logged to the archive's
``llm_calls``; transient faults are retried with exponential backoff (tenacity); a run's
dollar and token budget is enforced before each call; and a call made under a cache key
that already has an answer in the archive is not paid for again (exact resume)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import litellm
import tenacity

import galapagos.agents.llm.fake  # noqa: F401  (registers fake/)
import galapagos.agents.llm.local  # noqa: F401  (registers local/)
from galapagos.agents.llm import bounded
from galapagos.agents.llm.scope import serving
from galapagos.deadline import Overdue, call_within
from galapagos.errors import BudgetExhausted, GalapagosError, LLMAuthError, LLMError, LLMTimeout

litellm.suppress_debug_info = True
bounded.install()
IN_PROCESS = ("local/", "fake/")  # providers that run in this process
GRACE_S = 1.0  # past timeout_s, for the HTTP client's own timeout to fire first

TRANSIENT: tuple[type[BaseException], ...] = tuple(
    getattr(litellm, name) for name in (
        "Timeout", "RateLimitError", "APIConnectionError", "ServiceUnavailableError",
        "InternalServerError", "BadGatewayError") if hasattr(litellm, name))


class CallLog(Protocol):
    """The part of the archive the client needs (kept narrow so the agents layer does not
    depend on the archive's internals)."""

    def record_llm_call(self, row: dict[str, Any]) -> None: ...
    def cached_llm_response(self, cache_key: str) -> dict[str, Any] | None: ...


@dataclass
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    finish_reason: str = "stop"
    cached: bool = False


class LLMClient:
    def __init__(self, model: str, *, log: CallLog | None = None, run_id: str | None = None,
                 temperature: float = 0.0, max_tokens: int = 512, timeout_s: float = 60.0,
                 max_retries: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, api_base: str | None = None,
                 api_key: str | None = None, guard: Callable[[], str | None] | None = None):
        self.model, self.log, self.run_id = model, log, run_id
        self.api_base, self.api_key, self.guard = api_base, api_key, guard
        # in-process providers answer "" on purpose; a server that does is faulty
        self.empty_is_fault = model.split("/")[0] not in ("local", "fake")
        self.temperature, self.max_tokens, self.timeout_s = temperature, max_tokens, timeout_s
        self.max_retries, self.backoff_s = max_retries, backoff_s
        self._sleep, self._clock = sleep, clock

    def complete(self, messages: list[dict[str, Any]] | str, *, purpose: str,
                 cache_key: str | None = None, served: dict[str, str] | None = None,
                 **params: Any) -> Completion:
        """``served`` names what the call was for (``candidate_id``, ``instance_id``);
        without it, the evaluation the calling thread is in (``scope.serving``)."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if cache_key and self.log and (hit := self.log.cached_llm_response(cache_key)):
            return Completion(hit["response"] or "", hit["prompt_tokens"] or 0,
                              hit["completion_tokens"] or 0, 0.0, 0.0, cached=True)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_is_transient),
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=tenacity.wait_exponential(multiplier=self.backoff_s, max=30),
            sleep=self._sleep, reraise=True)
        attempt = 0
        try:
            for try_ in retrying:
                with try_:
                    attempt += 1
                    return self._attempt(messages, purpose, cache_key, attempt, params,
                                         served or serving())
        except GalapagosError:
            raise
        except Exception as exc:  # noqa: BLE001 - typed below
            raise _as_llm_error(exc, self.model, attempt) from exc
        raise AssertionError("unreachable")

    def answer(self, prompt: str, *, max_tokens: int = 32, stop: list[str] | None = None,
               purpose: str = "task", **params: Any) -> str:
        """A task's answer to one prompt: greedy, short (``max_tokens``) and cut at the end
        of its first line (``stop``, default ``["\\n"]``), stripped. A base model left
        to ``complete``'s defaults rambles on for hundreds of tokens; an answer rarely
        needs more than a line."""
        params.setdefault("temperature", 0.0)
        out = self.complete(prompt, purpose=purpose, max_tokens=max_tokens,
                            stop=["\n"] if stop is None else stop, **params)
        return out.text.strip()

    def _attempt(self, messages: list[dict[str, Any]], purpose: str, cache_key: str | None,
                 attempt: int, params: dict[str, Any], served: dict[str, str]) -> Completion:
        self._check_budget()
        row: dict[str, Any] = {"run_id": self.run_id, "cache_key": cache_key,
                               "model": self.model, "purpose": purpose,
                               "messages": messages, "attempt": attempt, **served}
        start = self._clock()
        try:
            resp = self._bounded(lambda: litellm.completion(**self._call_args(messages,
                                                                                params)))
            out = self._completion(resp, self._clock() - start)
        except BaseException as exc:
            inner = _galapagos_cause(exc)
            self._record({**row, "latency_s": self._clock() - start,
                          "error": f"{type(inner or exc).__name__}: {inner or exc}"[:2000]})
            if inner is not None:
                raise inner from None
            raise
        self._record({**row, "response": out.text, "prompt_tokens": out.prompt_tokens,
                      "completion_tokens": out.completion_tokens, "cost_usd": out.cost_usd,
                      "latency_s": out.latency_s})
        return out

    def _bounded(self, call: Callable[[], Any]) -> Any:
        """A remote model's call bounded as a whole by ``timeout_s`` (a read timeout alone
        lets a server that drips bytes hold it for ever); in-process models are bounded by
        their ``max_tokens``, and a deadline would only leave their thread running."""
        if self.model.startswith(IN_PROCESS):
            return call()
        try:
            return call_within(call, self.timeout_s + GRACE_S, name=f"call to {self.model}")
        except Overdue:
            raise litellm.Timeout(f"no whole answer within timeout_s = {self.timeout_s:g} s",
                                  model=self.model, llm_provider="") from None

    def _call_args(self, messages: list[dict[str, Any]], params: dict[str, Any]
                   ) -> dict[str, Any]:
        """Every attempt builds its own arguments: the caller's ``params`` stay intact."""
        args = {"temperature": self.temperature, "max_tokens": self.max_tokens, **params,
                "model": self.model, "messages": messages, "num_retries": 0,
                "timeout": self.timeout_s}
        if self.api_base:
            args["api_base"] = self.api_base
            args["api_key"] = self.api_key or "no-key"  # local servers take any key
        return args

    def _completion(self, resp: Any, latency: float) -> Completion:
        usage = getattr(resp, "usage", None)
        choices = getattr(resp, "choices", None) or []
        if not choices or getattr(choices[0], "message", None) is None:
            raise MalformedResponse("the server answered with no choice in the body")
        choice = choices[0]
        if self.empty_is_fault and not (choice.message.content or "").strip():
            raise MalformedResponse("the server answered with empty content")
        try:
            cost = 0.0 if self.model.split("/")[0] in ("local", "fake") else float(
                litellm.completion_cost(completion_response=resp) or 0.0)
        except Exception:  # noqa: BLE001 - unknown price: record 0, never fail the call
            cost = 0.0
        return Completion(choice.message.content or "", getattr(usage, "prompt_tokens", 0) or 0,
                          getattr(usage, "completion_tokens", 0) or 0, cost, latency,
                          choice.finish_reason or "stop")

    def _record(self, row: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.record_llm_call(row)

    def _check_budget(self) -> None:
        """The caller's stop decision (the run's budget) is asked before every attempt."""
        if self.guard is not None and (reason := self.guard()):
            raise BudgetExhausted(reason)


class MalformedResponse(Exception):
    """A 200 answer with nothing usable in it: a server fault, retried like a 5xx."""


def _galapagos_cause(exc: BaseException) -> GalapagosError | None:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 10:
        if isinstance(cur, GalapagosError):
            return cur
        if isinstance(cur, bounded.AnswerTooLarge):  # no retry makes it smaller
            return LLMError(f"The model's server {cur}: the answer was refused. Lower "
                            "max_tokens, or check the server ([llm] api_base).")
        cur, seen = cur.__cause__ or cur.__context__, seen + 1
    return None


def _is_transient(exc: BaseException) -> bool:
    """Worth another try: timeouts, rate limits, connection and server errors; never a
    fault of ours (an unscripted fake call, an exhausted budget) that litellm wrapped."""
    if isinstance(exc, (LLMTimeout, MalformedResponse)):
        return True
    return isinstance(exc, TRANSIENT) and _galapagos_cause(exc) is None


def _as_llm_error(exc: Exception, model: str, attempts: int) -> LLMError:
    auth = isinstance(exc, getattr(litellm, "AuthenticationError", ()))
    kind = LLMAuthError if auth else LLMTimeout if isinstance(
        exc, getattr(litellm, "Timeout", ())) else LLMError
    hint = ("the API key is missing or refused: set the provider's key in the environment "
            "(for example OPENAI_API_KEY) and check the model name, then `galapagos resume` "
            "continues the run" if auth else
            "the run records this iteration as failed and goes on")
    return kind(f"LLM call to {model} failed after {attempts} attempt(s): "
                f"{type(exc).__name__}: {str(exc)[:300]}; {hint}.")
