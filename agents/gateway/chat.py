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
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPFault(400, "the body is not JSON") from None
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
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise HTTPFault(400, "max_tokens must be a positive integer")
    params = {k: req[k] for k in PASSED if k in req}
    return model, _messages(req.get("messages")), params, max_tokens


def _messages(value: Any) -> list[dict[str, str]]:
    ok = isinstance(value, list) and value and all(
        isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
        and isinstance(m.get("content"), str) for m in value)
    if not ok:
        raise HTTPFault(400, "messages must be a non-empty list of {role: system|user|"
                        "assistant, content: string}")
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
