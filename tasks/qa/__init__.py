"""Built-in prompt task: answer questions from a JSONL file, scored by exact match.

Each row is ``{id, split, input, answer}`` and, for multiple choice, ``choices`` (a list of
option texts, shown after the question as ``Options: a | b | c``). ``answer`` is one text
or a list of accepted texts (the first is the one demonstrations show). The candidate is a
few-shot program (``instruction`` + ``demos``); the model's first line, case and
surrounding punctuation aside, must equal an accepted answer.
``bench/bigbench_tasks.py`` writes BIG-bench JSON tasks in this form.

Options (``[task.options]``): ``data`` (required), ``model`` (default
``local/gemma3-270m``), ``instruction`` (the seed's, default below), ``max_tokens``
(answer length, default 12), ``max_train`` / ``max_val`` / ``max_test``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.agents.llm import LLMClient
from galapagos.agents.programs import DEMOS, INSTRUCTION, SETTINGS, answer_fewshot
from galapagos.errors import TaskError
from galapagos.tasks.protocol import Instance, Result, TaskContext

SEED_INSTRUCTION = "Answer the question."
KNOWN = ("data", "model", "instruction", "max_tokens", "max_train", "max_val", "max_test")


def normalize(text: str) -> str:
    """Case, outer punctuation and runs of spaces do not count."""
    return re.sub(r"\s+", " ", text.strip().strip(".,:;!?\"'()[]").strip()).lower()


def first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0] if text.strip() else ""


def matches(answer: str, accepted: Sequence[str]) -> bool:
    return normalize(first_line(answer)) in {normalize(a) for a in accepted}


class QATask:
    name = "qa"
    objectives = {"tokens": "min"}
    perfect_score = 1.0  # the most one instance can score (the loop skips perfect parents)
    demo_component = DEMOS
    settings_component = SETTINGS  # [search_space] knobs: the model's sampling settings

    def __init__(self, llm: LLMClient, data: Path, rows: list[tuple[Instance, list[str]]],
                 instruction: str = SEED_INSTRUCTION, max_tokens: int = 12):
        self.llm, self.data = llm, data
        self._instances = [inst for inst, _ in rows]
        self.accepted = {inst.id: answers for inst, answers in rows}
        self.instruction, self.max_tokens = instruction, max_tokens

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {INSTRUCTION: self.instruction, DEMOS: "[]"}

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.data.read_bytes()).hexdigest()[:12]
        return f"qa:{digest}:{self.llm.model}:t0:max{self.max_tokens}"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        ans = answer_fewshot(self.llm, candidate, instance.input, input_label="Question",
                             output_label="Answer", max_tokens=self.max_tokens)
        answer = first_line(ans.text)
        ok = matches(answer, self.accepted.get(instance.id, [instance.expected]))
        feedback = "Correct." if ok else (
            f"Expected {instance.expected!r} but the answer was {answer!r}.")
        return Result(score=1.0 if ok else 0.0, output=answer, feedback=feedback,
                      trace={"prompt_chars": ans.prompt_chars}, objectives=ans.objectives)


def question(row: dict[str, Any]) -> str:
    """The text the model sees: the input and, for multiple choice, its options."""
    choices = row.get("choices") or []
    return row["input"].strip() + (f"\nOptions: {' | '.join(choices)}" if choices else "")


def read(path: Path, limits: dict[str, int]) -> list[tuple[Instance, list[str]]]:
    """Each row's instance (its ``expected`` the first accepted answer) and answers."""
    if not path.is_file():
        raise TaskError(f"QA data file '{path}' does not exist; set [task.options] data to a "
                        "JSONL file of {id, split, input, answer[, choices]}.")
    rows: list[tuple[Instance, list[str]]] = []
    counts: dict[str, int] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        inst, answers = _row(path, n, line)
        counts[inst.split] = counts.get(inst.split, 0) + 1
        if counts[inst.split] <= limits.get(inst.split, 10**9):
            rows.append((inst, answers))
    if not rows:
        raise TaskError(f"QA data file '{path}' holds no rows.")
    return rows


def _row(path: Path, n: int, line: str) -> tuple[Instance, list[str]]:
    try:
        r = json.loads(line)
        answers = [r["answer"]] if isinstance(r["answer"], str) else list(r["answer"])
        assert r["split"] in ("train", "val", "test"), "split must be train, val or test"
        assert answers and all(isinstance(a, str) and a.strip() for a in answers), \
            "answer must be a non-empty text or list of texts"
        assert isinstance(r["input"], str), "input must be a text"
        return Instance(str(r["id"]), r["split"], question(r), answers[0]), answers
    except (json.JSONDecodeError, KeyError, TypeError, AssertionError) as exc:
        raise TaskError(f"{path}:{n} is not a valid row ({exc}); each line needs id, split "
                        "(train/val/test), input, answer and optionally choices.") from None


def create(ctx: TaskContext) -> QATask:
    opts: dict[str, Any] = dict(ctx.options)
    unknown = [k for k in opts if k not in KNOWN]
    if unknown:
        raise TaskError(f"Unknown qa task option(s): {', '.join(unknown)}. Known: "
                        f"{', '.join(KNOWN)}.")
    if "data" not in opts:
        raise TaskError("The qa task needs [task.options] data: a JSONL file of "
                        "{id, split, input, answer[, choices]}.")
    limits = {s: int(opts[f"max_{s}"]) for s in ("train", "val", "test") if f"max_{s}" in opts}
    data = ctx.path(opts["data"])
    return QATask(ctx.llm(opts.get("model", "local/gemma3-270m")), data, read(data, limits),
                  str(opts.get("instruction", SEED_INSTRUCTION)), int(opts.get("max_tokens", 12)))
