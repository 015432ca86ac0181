"""The evaluator protocol a task plug-in implements.

A task knows its instances (each with an id and a split) and scores a candidate on one
instance. It never raises for one bad instance: it returns score 0 with the reason as
feedback (the loop also wraps a raise that way). It raises only for systemic faults.

Third-party plug-ins import from here: ``from galapagos.tasks import Task, Instance, Result``
and register a factory under the ``galapagos.tasks`` entry-point group.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

Split = Literal["train", "val", "test"]


@dataclass(frozen=True)
class Instance:
    id: str
    split: Split
    input: Any
    expected: Any = None


@dataclass
class Result:
    """One (candidate, instance) outcome. ``trace`` and ``feedback`` feed reflection;
    ``objectives`` holds extra measures (cost, latency, tokens, gpu_s), lower is better."""

    score: float
    output: str = ""
    feedback: str = ""
    trace: Any = None
    objectives: dict[str, float] = field(default_factory=dict)


@dataclass
class TaskContext:
    """What the loop hands a task factory: its options, ``llm(model)`` giving a logged
    client for the model under evaluation, ``sandbox()`` giving the run's sandbox (created
    on first use, with the limits of ``[task.sandbox]``), the run's id for labels, and
    ``path(option)`` for the options that name files."""

    options: dict[str, Any]
    llm: Any = None
    sandbox: Any = None
    limits: Any = None
    run_id: str = ""
    folder: str | None = None

    def path(self, value: str | Path) -> Path:
        """A path among the task's options, absolute: a relative one is taken from the
        config file's folder (``task.folder``), as every path in a config is."""
        return Path(os.path.normpath(os.path.join(self.folder or os.getcwd(), value)))


@runtime_checkable
class Task(Protocol):
    """A task: its instances, its seed, a fingerprint and ``evaluate``. It may also declare
    the traits that ``Traits`` lists as class attributes; ``traits(task)`` reads them, with
    their defaults where a task declares none."""

    name: str

    def instances(self) -> Sequence[Instance]:
        """Every instance, each tagged train / val / test."""
        ...

    def seed_candidate(self) -> dict[str, str]:
        """The starting candidate's components, ``{name: text}``."""
        ...

    def fingerprint(self) -> str:
        """Whatever changes a score besides the candidate (data version, model, options),
        so that cached evaluations are reused only when they still hold."""
        ...

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        ...


@dataclass(frozen=True)
class Traits:
    """What a task may declare beside the protocol's methods (as class attributes of the
    same names), and what the loop does with each:

    - ``objectives``: keys of ``Result.objectives`` with their direction, e.g.
      ``{"tokens": "min"}``, which the frontier kinds other than ``instance`` weigh beside
      the score (``[selector] objectives`` overrides them); default none;
    - ``perfect_score``: the most one instance can score, so the loop skips a parent already
      perfect on its minibatch (``[loop] skip_perfect``) and the ``perfect`` stop rule can
      stop a run; default None (unknown);
    - ``demo_component``: the name of the candidate component that holds demonstrations as
      a JSON list of ``{"input", "output"}``, which the ``demos`` proposer edits and the
      text proposers leave alone; default None (the ``demos`` proposer is then a config
      error naming this trait);
    - ``settings_component``: the name of the component whose ``name = value`` lines the
      task applies to its model calls (``agents.programs.model_settings``), where a
      ``[search_space]`` puts its knobs for CARBS and the text proposers leave alone;
      default None (a ``[search_space]`` is then a config error naming this trait);
    - ``score_range``: ``(lowest, highest)`` a score may be; a score outside it is the
      task's error (``tasks.boundary``), never stored; default None (any finite number)."""

    objectives: dict[str, str] = field(default_factory=dict)
    perfect_score: float | None = None
    demo_component: str | None = None
    settings_component: str | None = None
    score_range: tuple[float, float] | None = None


def traits(task: object) -> Traits:
    """The traits ``task`` declares, the defaults for the rest."""
    return Traits(dict(getattr(task, "objectives", None) or {}),
                  getattr(task, "perfect_score", None), getattr(task, "demo_component", None),
                  getattr(task, "settings_component", None),
                  getattr(task, "score_range", None))


@dataclass(frozen=True)
class Editable:
    """What a proposer may change in a program candidate: files whose paths match one of
    ``paths`` (fnmatch globs), and in a file that contains the ``start``/``end`` marker
    lines, only the text between them (as AlphaEvolve's and OpenEvolve's evolve blocks)."""

    paths: tuple[str, ...] = ("*",)
    start: str | None = "EVOLVE-BLOCK-START"
    end: str | None = "EVOLVE-BLOCK-END"


@runtime_checkable
class ProgramTask(Task, Protocol):
    """A task whose candidates are programs: a tree of files next to (or instead of) text
    components. ``evaluate`` receives components and files in one mapping (path -> text)."""

    def seed_files(self) -> dict[str, str]:
        """The starting program, ``{path: text}``."""
        ...

    def editable(self) -> Editable:
        ...

    def smoke(self, files: dict[str, str]) -> str | None:
        """A cheap check before a child is paid for (e.g. it imports in the sandbox):
        None if it passes, else the reason, which becomes feedback for the next try."""
        ...


class TaskFactory(Protocol):
    def __call__(self, ctx: TaskContext) -> Task: ...


def hash_split(name: str) -> Split:
    """A stable split for an instance that names none: half train, a quarter val and a
    quarter test, by a hash of its name (adding instances never moves the others)."""
    h = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 4
    return ("train", "train", "val", "test")[h]  # type: ignore[return-value]


def describe_instance(instance: Instance) -> str:
    """A short human-readable rendering of an input, for reflection prompts."""
    text = instance.input if isinstance(instance.input, str) else repr(instance.input)
    return text if len(text) < 2000 else text[:2000] + "…"

