"""One registry per strategy kind (proposers, selectors, executors, frontier kinds): the
names a config may use, what each needs to be built, and the plug-ins other packages ship
through entry points, as tasks already do (``galapagos.proposers``,
``galapagos.selectors``, ``galapagos.executors``, ``galapagos.frontiers``).

An entry point names a ``Strategy`` object (or a zero-argument function returning one):

    [project.entry-points."galapagos.proposers"]
    shout = "my_package.proposers:SHOUT"     # SHOUT = Strategy("shout", build=...)

The config checks names against ``names()``, which reads the entry points' names without
importing them; a strategy's code is imported only when a run builds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from galapagos.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Strategy(Generic[T]):
    """A named strategy. ``build`` receives the run's build context (a ``Build``: config,
    LLM client, task, archive) and returns the strategy object.

    Proposer traits: ``role`` is "mutation" (drawn by weight each iteration) or "merge"
    (on its schedule: every ``every(cfg)``-th iteration, ``cfg`` the run's config);
    ``rotates``: it rewrites one component per proposal in turn, so the loop advances the
    run's component cursor after it; ``needs``: what the task must offer
    ("demo_component", "agents") or the run is a config error; ``sees_siblings``: with
    several proposals in flight, it drafts after the earlier ones of its flight and is
    shown their children (``ProposalContext.siblings``), as CARBS counts its pending
    suggestions; the others draft in parallel."""

    name: str
    build: Callable[[Any], T]
    role: str = "mutation"
    rotates: bool = False
    needs: tuple[str, ...] = ()
    doc: str = ""
    every: Callable[[Any], int] | None = None
    sees_siblings: bool = False


@dataclass
class Registry(Generic[T]):
    kind: str   # "proposer", "selector", ...: for messages
    group: str  # the entry-point group of plug-ins
    built_in: dict[str, Strategy[T]] = field(default_factory=dict)
    _plugins: dict[str, Strategy[T]] = field(default_factory=dict)

    def add(self, strategy: Strategy[T]) -> Strategy[T]:
        self.built_in[strategy.name] = strategy
        return strategy

    def names(self) -> list[str]:
        return sorted({*self.built_in, *(ep.name for ep in entry_points(group=self.group))})

    def get(self, name: str) -> Strategy[T]:
        if name in self.built_in:
            return self.built_in[name]
        if name not in self._plugins:
            self._plugins[name] = self._load(name)
        return self._plugins[name]

    def check(self, name: str) -> str:
        """``name`` if known; else a ValueError (a config error) listing the known names."""
        if name not in self.names():
            raise ValueError(f"unknown {self.kind} '{name}': known are "
                             f"{', '.join(self.names())} (plug-ins register in the "
                             f"'{self.group}' entry-point group)")
        return name

    def _load(self, name: str) -> Strategy[T]:
        found = [ep for ep in entry_points(group=self.group) if ep.name == name]
        if not found:
            raise ConfigError(f"unknown {self.kind} '{name}': known are "
                              f"{', '.join(self.names())}.")
        try:
            obj = found[0].load()
        except Exception as exc:  # noqa: BLE001 - a broken plug-in is the user's to fix
            raise ConfigError(f"the {self.kind} plug-in '{name}' ({found[0].value}) failed to "
                              f"import: {type(exc).__name__}: {exc}") from exc
        strategy = obj if isinstance(obj, Strategy) else obj() if callable(obj) else None
        if not isinstance(strategy, Strategy) or strategy.name != name:
            raise ConfigError(f"the {self.kind} plug-in '{name}' ({found[0].value}) must be "
                              f"a galapagos Strategy named '{name}' (or a function returning "
                              "one).")
        return strategy
