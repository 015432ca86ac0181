"""The built-in strategies of each kind (proposers, selectors, executors, frontier kinds),
registered by name with what each needs. The config takes its allowed names from here
(plus installed plug-ins), the runner builds from here, and the loop reads a proposer's
traits from here: nothing else names a strategy.

Builders import their classes when called, so validating a config stays fast."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from galapagos.orchestrator.registry import Registry, Strategy

if TYPE_CHECKING:
    from galapagos.orchestrator.executors.base import Executor
    from galapagos.orchestrator.fronts import Entries
    from galapagos.orchestrator.proposers.base import Proposer
    from galapagos.orchestrator.selectors.base import Selector

PROPOSERS: Registry[Proposer] = Registry("proposer", "galapagos.proposers")
SELECTORS: Registry[Selector] = Registry("selector", "galapagos.selectors")
EXECUTORS: Registry[Executor] = Registry("executor", "galapagos.executors")
FRONTIERS: Registry[Entries] = Registry("frontier kind", "galapagos.frontiers")


@dataclass
class Build:
    """What a proposer may be built from: the run's config, its LLM client, task and
    archive. The reflective proposer is shared by those that extend it (pdr, stop)."""

    cfg: Any
    llm: Any
    task: Any
    archive: Any

    @functools.cached_property
    def reflective(self) -> Any:
        from galapagos.orchestrator.proposers.build import reflection_style
        from galapagos.orchestrator.proposers.reflective import ReflectiveMutation
        from galapagos.tasks.protocol import traits

        p = self.cfg.proposers
        return ReflectiveMutation(self.llm, p.reflective.components, reflection_style(self.cfg),
                                  p.reflective.recall, traits(self.task).settings_component)


@dataclass
class SelectorBuild:
    cfg: Any  # the [selector] section
    children: Callable[[], dict[str, int]]  # each candidate's children in the run (dgm)


@dataclass
class ExecutorBuild:
    """What an executor may be built from: the run's config, its task (built in the
    driver), the task's key, the archive (the driver writes it) and the run's id."""

    cfg: Any
    task: Any
    task_key: str
    archive: Any
    run_id: str


def _demos(b: Build) -> Any:
    from galapagos.orchestrator.proposers.demos import DemoMutation
    d = b.cfg.proposers.demos
    return DemoMutation(d.max_demos, b.archive if d.by_effect else None, d.fill)


def _code_edit(b: Build) -> Any:
    from galapagos.orchestrator.proposers.code_edit import ReflectiveCodeEdit
    return ReflectiveCodeEdit(b.llm)


def _literal(b: Build) -> Any:
    from galapagos.orchestrator.proposers.literal import LiteralMutation
    return LiteralMutation()


def _self_modify(b: Build) -> Any:
    from galapagos.orchestrator.proposers.self_modify import SelfModify
    return SelfModify(b.task)


def _pdr(b: Build) -> Any:
    from galapagos.orchestrator.proposers.pdr import PDR
    return PDR(b.reflective, b.cfg.proposers.pdr.drafts)


def _stop(b: Build) -> Any:
    from galapagos.orchestrator.proposers.self_taught import SelfImproving
    s = b.cfg.proposers.stop
    return SelfImproving(b.reflective, b.archive, s.every, s.explore)


def _carbs(b: Build) -> Any:
    from galapagos.orchestrator.carbs.search import Settings
    from galapagos.orchestrator.proposers.carbs import CarbsProposer
    from galapagos.tasks.protocol import traits

    c = b.cfg.proposers.carbs
    return CarbsProposer(b.archive, c.cost, Settings(
        c.random_samples, c.radius, max_cost=c.max_cost, min_cost_fraction=c.min_cost_fraction,
        exploration_bias=c.exploration_bias, clamp=c.clamp, mask_bounds=c.mask_bounds,
        resample_every=c.resample_every if b.cfg.loop.in_flight == 1 else 0),
        traits(b.task).settings_component if b.cfg.search_space else None, c.pending_siblings)


def _merge(b: Build) -> Any:
    from galapagos.orchestrator.proposers.merge import SystemAwareMerge
    return SystemAwareMerge()


for _s in (
        Strategy("reflective", lambda b: b.reflective, rotates=True,
                 doc="rewrites one text component from the parent's failures"),
        Strategy("demos", _demos, needs=("demo_component",),
                 doc="fills the demonstrations component, or adds, swaps or drops one "
                 "worked example, by measured effect"),
        Strategy("merge", _merge, role="merge", every=lambda cfg: cfg.proposers.merge.every,
                 doc="combines two frontier candidates that share an ancestor"),
        Strategy("code_edit", _code_edit, doc="search/replace edits of a program's files"),
        Strategy("literal", _literal, doc="mutates a numeric literal or a comparison"),
        Strategy("self_modify", _self_modify, needs=("agents",),
                 doc="the parent agent edits its own code"),
        Strategy("pdr", _pdr, rotates=True, doc="parallel drafts, distilled and refined"),
        Strategy("stop", _stop, rotates=True, doc="reflection whose meta-prompt evolves"),
        Strategy("carbs", _carbs, needs=("knobs",), sees_siblings=True,
                 doc="cost-aware Bayesian search of the program's declared knobs")):
    PROPOSERS.add(_s)


def _pareto(b: SelectorBuild) -> Any:
    from galapagos.orchestrator.selectors.pareto import ParetoSelector
    return ParetoSelector()


def _best(b: SelectorBuild) -> Any:
    from galapagos.orchestrator.selectors.best import BestSelector
    return BestSelector()


def _epsilon(b: SelectorBuild) -> Any:
    from galapagos.orchestrator.selectors.best import EpsilonGreedySelector
    return EpsilonGreedySelector(b.cfg.epsilon)


def _dgm(b: SelectorBuild) -> Any:
    from galapagos.orchestrator.selectors.dgm import DGMSelector
    return DGMSelector(b.children)


for _s in (Strategy("pareto", _pareto), Strategy("best", _best),
           Strategy("epsilon", _epsilon), Strategy("dgm", _dgm)):
    SELECTORS.add(_s)


def _local(b: ExecutorBuild) -> Any:
    from galapagos.orchestrator.executors.base import LocalExecutor
    return LocalExecutor(b.task)


def _ray(b: ExecutorBuild) -> Any:
    from galapagos.orchestrator.executors.on_ray import RayExecutor
    return RayExecutor(b.cfg, b.task_key, b.archive, b.run_id)


for _s in (Strategy("local", _local, doc="threads of this process"),
           Strategy("ray", _ray, doc="a Ray cluster, one evaluation per task")):
    EXECUTORS.add(_s)


def _front_kind(name: str) -> Strategy[Any]:
    """A frontier kind's strategy is its ``entries`` function (fronts.py), built with no
    context: ``FRONTIERS.get(kind).build(None)``."""
    def build(_: Any) -> Any:
        from galapagos.orchestrator import fronts
        return getattr(fronts, f"{name}_entries")
    return Strategy(name, build)


for _name in ("instance", "objective", "hybrid", "cartesian"):
    FRONTIERS.add(_front_kind(_name))
