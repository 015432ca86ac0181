"""The proposers a configuration puts in play: mutations drawn by weight, and merge."""

from __future__ import annotations

from typing import Any

from galapagos.agents.llm import LLMClient
from galapagos.archive import Archive
from galapagos.errors import ConfigError
from galapagos.orchestrator.config import Config
from galapagos.orchestrator.config_search import ProposersConfig
from galapagos.orchestrator.proposers.base import Proposer
from galapagos.orchestrator.proposers.code_edit import ReflectiveCodeEdit
from galapagos.orchestrator.proposers.demos import DemoMutation
from galapagos.orchestrator.proposers.literal import LiteralMutation
from galapagos.orchestrator.proposers.merge import SystemAwareMerge
from galapagos.orchestrator.proposers.pdr import PDR
from galapagos.orchestrator.proposers.reflective import ReflectiveMutation, Style
from galapagos.orchestrator.proposers.self_modify import SelfModify
from galapagos.orchestrator.proposers.stop import SelfImproving


DEFAULT_PROPOSERS = ProposersConfig().use


def reflection_style(cfg: Config) -> Style:
    style = cfg.proposers.reflective.style
    if style != "auto":
        return style
    return "completion" if cfg.llm.is_base() else "instruct"


def make_proposers(cfg: Config, llm: LLMClient, task: Any, archive: Archive
                   ) -> tuple[dict[str, Proposer], Proposer | None]:
    p = cfg.proposers
    reflective = ReflectiveMutation(llm, p.reflective.components, reflection_style(cfg))
    makers = {"reflective": lambda: reflective,
              "demos": lambda: DemoMutation(p.demos.max_demos),
              "code_edit": lambda: ReflectiveCodeEdit(llm),
              "literal": LiteralMutation,
              "self_modify": lambda: SelfModify(task),
              "pdr": lambda: PDR(reflective, p.pdr.drafts),
              "stop": lambda: SelfImproving(reflective, archive, p.stop.every, p.stop.explore)}
    mutations: dict[str, Proposer] = {
        name: make() for name, make in makers.items()
        if name in p.use and p.weights.get(name, 1.0) > 0}
    merge = SystemAwareMerge() if "merge" in p.use else None
    return mutations, merge


def fit_to_task(cfg: Config, task: Any) -> Config:
    """The default proposer set, fitted to what the task has: ``demos`` needs a
    demonstrations component, so the default set drops it for a task without one. A set
    the user chose that names it is a config error rather than a quarter of the
    iterations spent on nothing."""
    p = cfg.proposers
    if "demos" not in p.use or getattr(task, "demo_component", None):
        return cfg
    if p.use != DEFAULT_PROPOSERS:
        raise ConfigError(
            f"proposers.use names demos, but task '{cfg.task.name}' has no demonstrations "
            "component (a task declares one with demo_component = \"NAME\"); drop demos "
            "from proposers.use or declare the component in the task.")
    kept = [name for name in p.use if name != "demos"]
    return cfg.model_copy(update={"proposers": p.model_copy(update={"use": kept})})
