"""Prompt programs: how a candidate's components become the text a model completes.

A few-shot program has two components: ``instruction`` (free text) and ``demos`` (a JSON
list of ``{"input", "output"}`` pairs). Demos that are not valid JSON are used verbatim,
so a proposer that writes them as plain text still yields a usable prompt. A third,
optional one, ``settings``, holds the model's sampling settings as ``name = value`` lines
(what a ``[search_space]`` in the config seeds and CARBS tunes); it is never shown to the
model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

INSTRUCTION, DEMOS, SETTINGS = "instruction", "demos", "settings"
SETTING_NAMES = ("temperature", "top_p", "max_tokens")  # what a settings component may set
_SETTING = re.compile(r"^\s*(\w+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", re.M)


def parse_demos(text: str) -> list[dict[str, Any]] | None:
    try:
        value = json.loads(text or "[]")
    except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
        return None
    if isinstance(value, list) and all(isinstance(d, dict) and "input" in d and "output" in d
                                       for d in value):
        return value
    return None


def dump_demos(demos: list[dict[str, Any]]) -> str:
    return json.dumps(demos, ensure_ascii=False, indent=1)


def render_fewshot(components: dict[str, str], query: str, *, input_label: str,
                   output_label: str) -> str:
    parts = [components.get(INSTRUCTION, "").strip()]
    demos_text = components.get(DEMOS, "")
    demos = parse_demos(demos_text)
    if demos is None:
        parts.append(demos_text.strip())
    else:
        parts += [f"{input_label}: {d['input']}\n{output_label}: {d['output']}" for d in demos]
    parts.append(f"{input_label}: {query}\n{output_label}:")
    return "\n\n".join(p for p in parts if p)


def model_settings(components: dict[str, str]) -> dict[str, Any]:
    """The sampling settings a candidate's ``settings`` component assigns (known names
    only; ``max_tokens`` whole and at least 1)."""
    out: dict[str, Any] = {}
    for name, value in _SETTING.findall(components.get(SETTINGS, "")):
        if name in SETTING_NAMES:
            out[name] = max(int(float(value)), 1) if name == "max_tokens" else float(value)
    return out


@dataclass(frozen=True)
class Answer:
    """A model's one-line answer to a few-shot program, with what it cost."""

    text: str
    prompt_chars: int
    objectives: dict[str, float]  # tokens and latency, as Result.objectives holds them


def answer_fewshot(llm: Any, components: dict[str, str], query: str, *, input_label: str,
                   output_label: str, max_tokens: int) -> Answer:
    """The answer of the model under evaluation (an ``LLMClient``), cut at a line: greedy
    and at most ``max_tokens`` unless the candidate's settings say otherwise."""
    prompt = render_fewshot(components, query, input_label=input_label,
                            output_label=output_label)
    params = {"temperature": 0.0, "max_tokens": max_tokens, **model_settings(components)}
    out = llm.complete(prompt, purpose="task", stop=["\n"], **params)
    return Answer(out.text.strip(), len(prompt),
                  {"tokens": out.prompt_tokens + out.completion_tokens,
                   "latency_s": out.latency_s})
