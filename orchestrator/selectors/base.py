from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from galapagos.archive import Frontier
from galapagos.orchestrator.config import SelectorConfig
from galapagos.orchestrator.strategies import SELECTORS, SelectorBuild


class Selector(Protocol):
    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str: ...


def make_selector(cfg: SelectorConfig, children: Callable[[], dict[str, int]] = dict
                  ) -> Selector:
    """The selector ``cfg.kind`` names (built in or a plug-in); ``children()`` counts each
    candidate's children in the run (for 'dgm')."""
    return SELECTORS.get(cfg.kind).build(SelectorBuild(cfg, children))
