"""Our own litellm providers, so every backend goes through the same ``litellm.completion``
path: ``local/<name>`` (the embedded model) and ``fake/<name>`` (scripted fakes)."""

from __future__ import annotations

import threading
from typing import Any

import litellm  # galapagos.agents set LITELLM_LOCAL_MODEL_COST_MAP before this import
from litellm import CustomLLM

_lock = threading.Lock()
_handlers: dict[str, CustomLLM] = {}


def register(provider: str, handler: CustomLLM) -> None:
    with _lock:
        _handlers[provider] = handler
        litellm.custom_provider_map = [
            e for e in litellm.custom_provider_map if e["provider"] != provider
        ] + [{"provider": provider, "custom_handler": handler}]
        litellm.utils.custom_llm_setup()


def fill_response(model_response: Any, model: str, text: str, prompt_tokens: int,
                  completion_tokens: int, finish_reason: str = "stop") -> Any:
    model_response.choices[0].message.content = text
    model_response.choices[0].finish_reason = finish_reason
    model_response.model = model
    model_response.usage = litellm.Usage(
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens)
    return model_response


def stop_sequences(optional_params: dict[str, Any]) -> list[str]:
    """The call's ``stop`` as a list (litellm passes a text or a list, or nothing)."""
    stop = optional_params.get("stop") or []
    return [stop] if isinstance(stop, str) else list(stop)


def messages_to_prompt(messages: list[dict[str, Any]]) -> str:
    """Base models continue text; they get the message contents joined, nothing else."""
    return "\n\n".join(str(m.get("content") or "") for m in messages)


def count_tokens(model: str, messages: list[dict[str, Any]]) -> int:
    """A prompt's length in tokens before it is sent: our providers count it themselves
    (``count_tokens`` on the handler), others through litellm's counter; an estimate of
    one token per three characters where neither can."""
    provider, _, name = model.partition("/")
    handler = _handlers.get(provider)
    try:
        if handler is not None and hasattr(handler, "count_tokens"):
            return int(handler.count_tokens(name, messages))
        return int(litellm.token_counter(model=model, messages=messages))
    except Exception:  # noqa: BLE001 - an unknown tokenizer: estimate, never fail the call
        return sum(len(str(m.get("content") or "")) for m in messages) // 3 + 1
