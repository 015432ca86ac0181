"""Built-in prompt task: label a review 'positive' or 'negative' with the embedded model.

The candidate is a few-shot prompt program (``instruction`` + ``demos``). The seed is a
bare instruction with no demonstrations; a base model then rarely answers with a label at
all, while a good instruction and a few demonstrations score far higher.

Options (``[task.options]``): ``model`` (default ``local/gemma3-270m``), ``data`` (a JSONL
file of ``{id, split, text, label}``; default: the shipped reviews), ``max_val`` /
``max_train`` / ``max_test`` (use only the first N of a split).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.agents.llm import LLMClient
from galapagos.agents.programs import DEMOS, INSTRUCTION, SETTINGS, answer_fewshot
from galapagos.errors import TaskError
from galapagos.tasks.protocol import Instance, Result, TaskContext

LABELS = ("positive", "negative")
DATA = Path(__file__).with_name("reviews.jsonl")
SEED = {INSTRUCTION: "Review sentiment.", DEMOS: "[]"}


class SentimentTask:
    name = "sentiment"
    objectives = {"tokens": "min"}  # with the score, for frontier kinds
    perfect_score = 1.0  # the most one instance can score (the loop skips perfect parents)
    demo_component = DEMOS
    settings_component = SETTINGS  # [search_space] knobs: the model's sampling settings

    def __init__(self, llm: LLMClient, data: Path = DATA, limits: dict[str, int] | None = None):
        self.llm, self.data = llm, data
        self._instances = _read(data, limits or {})

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return dict(SEED)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.data.read_bytes()).hexdigest()[:12]
        return f"sentiment:{digest}:{self.llm.model}:t0:max3"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        ans = answer_fewshot(self.llm, candidate, instance.input, input_label="Review",
                             output_label="Sentiment", max_tokens=3)
        answer = ans.text
        word = answer.split()[0].strip(".,:;!\"'").lower() if answer else ""
        ok = word == instance.expected
        feedback = ("Correct." if ok else
                    f"Expected '{instance.expected}' but the answer was {answer!r}; the answer "
                    "must be exactly one word, 'positive' or 'negative'.")
        return Result(score=1.0 if ok else 0.0, output=answer, feedback=feedback,
                      trace={"prompt_chars": ans.prompt_chars}, objectives=ans.objectives)


def _read(path: Path, limits: dict[str, int]) -> list[Instance]:
    if not path.is_file():
        raise TaskError(f"Sentiment data file '{path}' does not exist; set "
                        "[task.options] data to a JSONL file of {id, split, text, label}.")
    rows: list[Instance] = []
    counts: dict[str, int] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            split, label = r["split"], r["label"]
            assert split in ("train", "val", "test") and label in LABELS
        except (json.JSONDecodeError, KeyError, AssertionError) as exc:
            raise TaskError(f"{path}:{n} is not a valid row ({exc!r}); each line needs id, "
                            "split (train/val/test), text and label (positive/negative).") from None
        counts[split] = counts.get(split, 0) + 1
        if counts[split] <= limits.get(split, 10**9):
            rows.append(Instance(str(r["id"]), split, r["text"], label))
    return rows


def create(ctx: TaskContext) -> SentimentTask:
    opts: dict[str, Any] = dict(ctx.options)
    llm = ctx.llm(opts.pop("model", "local/gemma3-270m"))
    data = ctx.path(opts.pop("data", DATA))
    limits = {s: int(opts.pop(f"max_{s}")) for s in ("train", "val", "test")
              if f"max_{s}" in opts}
    if opts:
        raise TaskError(f"Unknown sentiment task option(s): {', '.join(opts)}. Known: model, "
                        "data, max_train, max_val, max_test.")
    return SentimentTask(llm, data, limits)
