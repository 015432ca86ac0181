"""The OpenAI chat-completions body the gateway accepts, checked strictly, and the answer
it gives back in the same format (so any OpenAI-compatible client works through it)."""

from __future__ import annotations

import json
import time
from typing import Any

from galapagos.agents.gateway.wire import HTTPFault
from galapagos.agents.llm import Completion

PASSED = ("temperature", "top_p", "stop", "seed")   # forwarded to the model as given
IGNORED = ("n", "stream", "user", "max_completion_tokens")


def parse(body: bytes, allowed: tuple[str, ...]) -> tuple[str, list[dict[str, str]],
                                                          dict[str, Any], int | None]:
    """``(model, messages, params, max_tokens)`` or an HTTPFault saying what is wrong."""
    try:
        req = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, nested too deep, an integer too long
        raise HTTPFault(400, "the body is not JSON that can be read (malformed, nested too "
                        "deep, or a number too long)") from None
    if not isinstance(req, dict):
        raise HTTPFault(400, "the body must be a JSON object")
    model = req.get("model")
    if model not in allowed:
        raise HTTPFault(403, f"model {str(model)[:80]!r} is not allowed for this run; "
                        f"allowed: {', '.join(allowed)}", "permission_error")
    if req.get("stream") or req.get("n", 1) != 1:
        raise HTTPFault(400, "streaming and n > 1 are not offered")
    unknown = sorted(set(req) - {"model", "messages", "max_tokens", *PASSED, *IGNORED})
    if unknown:
        raise HTTPFault(400, f"unknown field(s): {', '.join(unknown)[:200]}")
    max_tokens = req.get("max_tokens", req.get("max_completion_tokens"))
    if max_tokens is not None and not (_integer(max_tokens) and max_tokens >= 1):
        raise HTTPFault(400, "max_tokens must be a positive integer")
    params = {k: req[k] for k in PASSED if k in req}
    for name, value in params.items():
        if (why := CHECKS[name](value)) is not None:
            raise HTTPFault(400, f"{name} {why} (got {str(value)[:40]!r})")
    return model, _messages(req.get("messages")), params, max_tokens


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number_in(low: float, high: float) -> Any:
    def check(v: Any) -> str | None:
        ok = (_integer(v) or isinstance(v, float)) and low <= v <= high
        return None if ok else f"must be a number from {low:g} to {high:g}"
    return check


def _stop(v: Any) -> str | None:
    texts = [v] if isinstance(v, str) else v
    ok = isinstance(texts, list) and len(texts) <= 4 and all(
        isinstance(t, str) and 0 < len(t) <= 200 and _text(t) for t in texts)
    return None if ok else "must be a text or a list of at most 4 texts (1 to 200 characters)"


CHECKS = {"temperature": _number_in(0, 2), "top_p": _number_in(0, 1),
          "seed": lambda v: None if _integer(v) and -2**63 <= v < 2**63
          else "must be an integer that fits 64 bits", "stop": _stop}


def _text(t: str) -> bool:
    """Valid Unicode: a lone surrogate (from a JSON escape) cannot reach a model."""
    try:
        t.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _messages(value: Any) -> list[dict[str, str]]:
    ok = isinstance(value, list) and value and all(
        isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
        and isinstance(m.get("content"), str) and _text(m["content"]) for m in value)
    if not ok:
        raise HTTPFault(400, "messages must be a non-empty list of {role: system|user|"
                        "assistant, content: string} (valid Unicode: no lone surrogates)")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def answer(model: str, out: Completion, call_no: int) -> dict[str, Any]:
    return {"id": f"gw-{call_no}", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "finish_reason": out.finish_reason,
                         "message": {"role": "assistant", "content": out.text}}],
            "usage": {"prompt_tokens": out.prompt_tokens,
                      "completion_tokens": out.completion_tokens,
                      "total_tokens": out.prompt_tokens + out.completion_tokens},
            "galapagos": {"cached": out.cached, "cost_usd": out.cost_usd}}
