"""``galapagos init``: a commented config (and, asked for, a task that runs) in a folder, for
a user who installed the package with pip and has no repository to copy from. The config
is written from the pydantic models, so every key it names exists and its comment is the
key's own documentation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from galapagos.errors import ConfigError
from galapagos.orchestrator.config import Config

TASK_FILE = "my_task.py"
ACTIVE = {"run": ("name", "seed", "archive"), "task": ("name",),
          "llm": ("model", "max_tokens"), "budget": ("max_metric_calls", "max_iterations")}
VALUES = {("run", "name"): "first", ("run", "archive"): ".galapagos/archive.db",
          ("budget", "max_metric_calls"): 200, ("budget", "max_iterations"): 20,
          ("llm", "max_tokens"): 200}

TASK_SKELETON = '''\
"""A task Galapagos can evolve a prompt for: answer a capital's country in one word.

Edit ROWS (or read your own file, see ctx.path) and evaluate() to make it yours."""

from galapagos.tasks import Instance, Result

ROWS = [("Paris", "France"), ("Rome", "Italy"), ("Madrid", "Spain"), ("Lisbon", "Portugal"),
        ("Berlin", "Germany"), ("Vienna", "Austria"), ("Oslo", "Norway"), ("Cairo", "Egypt"),
        ("Tokyo", "Japan"), ("Lima", "Peru"), ("Dublin", "Ireland"), ("Athens", "Greece")]


class CapitalsTask:
    name = "capitals"
    perfect_score = 1.0  # the most one instance can score: a run stops when val reaches it

    def __init__(self, llm):
        self.llm = llm  # the model under evaluation, logged in the archive

    def instances(self):
        splits = ["train"] * 6 + ["val"] * 3 + ["test"] * 3
        return [Instance(f"c{i}", split, input=city, expected=country)
                for i, ((city, country), split) in enumerate(zip(ROWS, splits))]

    def seed_candidate(self):
        return {"instruction": "Name the country whose capital is given."}

    def fingerprint(self):  # changes when the data or the grading does: no stale scores
        return "capitals-v1"

    def evaluate(self, candidate, instance):
        prompt = f"{candidate['instruction']}\\nCity: {instance.input}\\nCountry:"
        answer = self.llm.answer(prompt)  # greedy, at most 32 tokens, cut at the line's end
        expected = instance.expected
        score = float(answer.lower().startswith(expected.lower()))
        return Result(score, output=answer,
                      feedback=f"answered {answer!r}, expected {expected!r}",
                      trace={"prompt": prompt, "answer": answer})


def create(ctx):
    return CapitalsTask(ctx.llm(ctx.options.get("model", "local/gemma3-270m")))
'''


def write_init(folder: Path, *, task: bool = False, model: str | None = None,
               force: bool = False) -> list[Path]:
    """Write ``config.toml`` (and ``my_task.py`` with ``task``) into ``folder``; refuses to
    overwrite a file unless ``force``. Returns the paths written."""
    files = {folder / "config.toml": config_text(task=task, model=model)}
    if task:
        files[folder / TASK_FILE] = TASK_SKELETON
    clashes = [str(p) for p in files if p.exists()]
    if clashes and not force:
        raise ConfigError(f"{', '.join(clashes)} already exist(s); pass --force to "
                          "overwrite, or init another folder.")
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def config_text(*, task: bool = False, model: str | None = None) -> str:
    """Every table and key of the config, commented with its documentation; the few a
    first run sets are active."""
    values = dict(VALUES)
    values[("task", "name")] = f"{TASK_FILE}:create" if task else "sentiment"
    if model:
        values[("llm", "model")] = model
    head = ["# Galapagos run configuration, written by `galapagos init`.",
            "# A line '# key = value' shows the key's default: uncomment it to change it.",
            "# Relative paths are taken from this file's folder.",
            "# `galapagos run -c config.toml` starts a run; `galapagos ui` shows it."]
    lines = head + _section(Config, "", values)
    if model:
        lines += ["", "[task.options]", f"model = {_toml(model)}"]
    return "\n".join(lines) + "\n"


def _section(model: type[BaseModel], prefix: str, values: dict[tuple[str, str], Any]
             ) -> list[str]:
    lines: list[str] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            nested.append((name, kind))
            continue
        if name == "folder":
            continue  # set when the file is read
        lines += _key(name, field, values.get((prefix, name), PydanticUndefined),
                      name in ACTIVE.get(prefix, ()))
    out = (["", f"[{prefix}]"] + lines) if prefix and lines else lines
    for name, kind in nested:
        out += _section(kind, f"{prefix}.{name}" if prefix else name, values)
    return out


def _key(name: str, field: Any, value: Any, active: bool) -> list[str]:
    default = field.get_default(call_default_factory=True)
    shown = default if value is PydanticUndefined else value
    if shown is PydanticUndefined or shown is None:
        shown, active = "...", False
    doc = textwrap.wrap(field.description or "", 88)
    line = f"{'' if active else '# '}{name} = {_toml(shown)}"
    return [f"# {d}" for d in doc] + [line]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    return value if value == "..." else json.dumps(value)  # texts and lists of texts
