from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from galapagos.archive import Frontier
from galapagos.orchestrator.config import SelectorConfig


class Selector(Protocol):
    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str: ...


def make_selector(cfg: SelectorConfig, children: Callable[[], dict[str, int]] = dict
                  ) -> Selector:
    """``children()`` counts each candidate's children in the run (for 'dgm')."""
    from galapagos.orchestrator.selectors.best import BestSelector, EpsilonGreedySelector
    from galapagos.orchestrator.selectors.dgm import DGMSelector
    from galapagos.orchestrator.selectors.pareto import ParetoSelector

    if cfg.kind == "dgm":
        return DGMSelector(children)
    if cfg.kind == "pareto":
        return ParetoSelector()
    if cfg.kind == "best":
        return BestSelector()
    return EpsilonGreedySelector(cfg.epsilon)
