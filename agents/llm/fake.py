"""Scripted fakes at the LLM boundary, reached as ``fake/<name>`` through litellm.

``FakeLLM("x").enqueue("answer")`` answers the next call to model ``fake/x``; an
exception enqueued is raised instead (to script timeouts and rate limits). A call with an
empty queue fails loudly. ``fake/deterministic`` needs no script: its answer is a pure
function of the prompt, so separate processes (the kill -9 tests) agree on it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from litellm import CustomLLM

from galapagos.agents.llm.providers import (fill_response, messages_to_prompt, register,
                                            stop_sequences)
from galapagos.errors import LLMUnexpectedCall

_fakes: dict[str, "FakeLLM"] = {}


class FakeLLM:
    """``rule(messages) -> str``, if given, answers whatever the queue does not (a script
    keyed on the prompt, for callers whose order of calls is not fixed)."""

    def __init__(self, name: str = "test",
                 rule: Callable[[list[dict[str, Any]]], str] | None = None):
        self.name, self.rule = name, rule
        self.model = f"fake/{name}"
        self.queue: deque[str | BaseException] = deque()
        self.calls: list[list[dict[str, Any]]] = []
        self.params: list[dict[str, Any]] = []  # each call's sampling settings, in order
        self._lock = threading.Lock()
        _fakes[name] = self

    def enqueue(self, *answers: str | BaseException) -> "FakeLLM":
        self.queue.extend(answers)
        return self

    def answer(self, messages: list[dict[str, Any]], params: dict[str, Any] | None = None
               ) -> str:
        with self._lock:
            self.calls.append(messages)
            self.params.append(dict(params or {}))
            if not self.queue and self.rule is not None:
                return self.rule(messages)
            if not self.queue:
                prompt = messages_to_prompt(messages)
                raise LLMUnexpectedCall(
                    f"Fake model {self.model} got a call it had no scripted answer for "
                    f"(call #{len(self.calls)}); prompt begins: {prompt[:200]!r}")
            item = self.queue.popleft()
        if isinstance(item, BaseException):
            raise item
        return item


def deterministic_answer(messages: list[dict[str, Any]]) -> str:
    """Rewrite the fenced block of the prompt by adding a line named after its hash."""
    prompt = messages_to_prompt(messages)
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:8]
    blocks = re.findall(r"```\n(.*?)```", prompt, flags=re.S)
    current = blocks[0] if blocks else ""
    return f"Here is the improved text.\n```\n{current.rstrip()}\nRevision {digest}.\n```\n"


class _Dispatcher(CustomLLM):
    def count_tokens(self, name: str, messages: list) -> int:
        return len(messages_to_prompt(messages).split())  # a fake's token is a word

    def completion(self, model: str, messages: list, model_response: Any,
                   optional_params: dict | None = None, **kwargs: Any) -> Any:
        name = model.split("/", 1)[-1]
        if name == "deterministic":
            text = deterministic_answer(messages)
        elif name in _fakes:
            text = _fakes[name].answer(messages, optional_params)
        else:
            raise LLMUnexpectedCall(
                f"No fake model named '{name}'. Create FakeLLM('{name}') first, or use "
                "fake/deterministic.")
        text = _cut_at_stop(text, stop_sequences(optional_params or {}))
        words = len(messages_to_prompt(messages).split())
        return fill_response(model_response, model, text, words, len(text.split()))


def _cut_at_stop(text: str, stop: list[str]) -> str:
    """As a real server does: the answer ends before the first stop sequence."""
    for seq in stop:
        if seq and seq in text:
            text = text[:text.index(seq)]
    return text


register("fake", _Dispatcher())
