"""The proposers a configuration puts in play (mutations drawn by weight, and a merge on
its own schedule), built from the strategy registry, and the default set fitted to the
task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galapagos.agents.llm import LLMClient
from galapagos.archive import Archive
from galapagos.errors import ConfigError
from galapagos.orchestrator.config import Config
from galapagos.orchestrator.config_search import ProposersConfig
from galapagos.orchestrator.proposers.base import Proposer
from galapagos.orchestrator.proposers.reflective import Style
from galapagos.orchestrator.proposers.self_modify import RunsAgents
from galapagos.orchestrator.strategies import PROPOSERS, Build
from galapagos.tasks.protocol import traits

DEFAULT_PROPOSERS = ProposersConfig().use
NEEDS = {  # what a strategy may need from the run: how to tell, and how to offer it
    "demo_component": (lambda cfg, task: bool(traits(task).demo_component),
                       "demonstrations component (a task declares one with "
                       "demo_component = \"NAME\")"),
    "knobs": (lambda cfg, task: _declares_knobs(cfg, task),
              "knobs: in its seed program ('LR = 3e-3  # knob: log' in an editable file), "
              "or for a prompt task model settings in a [search_space] table"),
    "agents": (lambda cfg, task: isinstance(task, RunsAgents),
               "agents to run on their own code (use an agent task: "
               "task.name = \"agent\")"),
}


def _declares_knobs(cfg: Config, task: Any) -> bool:
    """A [search_space] for the task's settings, or a program task whose seed declares
    knobs; a bad declaration is an error now."""
    from galapagos.orchestrator.proposers.carbs import check_seed

    if cfg.search_space:
        return True
    return hasattr(task, "seed_files") and bool(check_seed(task.seed_files()))


def check_search_space(cfg: Config, task: Any) -> None:
    """A [search_space] needs a task that applies model settings."""
    if cfg.search_space and not traits(task).settings_component:
        raise ConfigError(
            f"[search_space] sets {', '.join(sorted(cfg.search_space))}, but task "
            f"'{cfg.task.name}' applies no model settings (a task declares where with "
            "settings_component = \"NAME\", as the built-in qa and sentiment tasks do); "
            "remove [search_space] or use such a task.")


def reflection_style(cfg: Config) -> Style:
    style = cfg.proposers.reflective.style
    if style != "auto":
        return style
    return "completion" if cfg.llm.is_base() else "instruct"


@dataclass(frozen=True)
class InPlay:
    """A run's proposers: the mutations drawn by weight, and the scheduled one (merge) with
    its period in iterations."""

    mutations: dict[str, Proposer]
    merge: Proposer | None = None
    every: int = 1


def make_proposers(cfg: Config, llm: LLMClient, task: Any, archive: Archive) -> InPlay:
    p, build = cfg.proposers, Build(cfg, llm, task, archive)
    mutations: dict[str, Proposer] = {}
    merge: tuple[Proposer, int] | None = None
    for name in p.use:
        strategy = PROPOSERS.get(name)
        if strategy.role == "merge":
            merge = (strategy.build(build), strategy.every(cfg) if strategy.every else 1)
        elif p.weights.get(name, 1.0) > 0:
            mutations[name] = strategy.build(build)
    return InPlay(mutations, *merge) if merge else InPlay(mutations)


def in_turn(names: list[str]) -> frozenset[str]:
    """The proposers among ``names`` that draft after their flight's earlier proposals."""
    return frozenset(n for n in names if PROPOSERS.get(n).sees_siblings)


def rotating(names: list[str]) -> frozenset[str]:
    """The proposers among ``names`` that rewrite components in turn (the run's cursor)."""
    return frozenset(n for n in names if PROPOSERS.get(n).rotates)


def fit_to_task(cfg: Config, task: Any) -> Config:
    """The default proposer set, fitted to what the task has: a default proposer whose
    need the task does not meet (``demos`` without a demonstrations component) is dropped.
    A set the user chose that names one is a config error rather than iterations spent on
    nothing."""
    check_search_space(cfg, task)
    p = cfg.proposers
    unmet = {n: need for n in p.use for need in PROPOSERS.get(n).needs
             if not NEEDS[need][0](cfg, task)}
    if not unmet:
        return cfg
    if p.use != DEFAULT_PROPOSERS:
        name, need = next(iter(unmet.items()))
        raise ConfigError(
            f"proposers.use names {name}, but task '{cfg.task.name}' has no "
            f"{NEEDS[need][1]}; drop {name} from proposers.use or use a task that has it.")
    kept = [name for name in p.use if name not in unmet]
    return cfg.model_copy(update={"proposers": p.model_copy(update={"use": kept})})
