"""The Darwin Gödel Machine's open-ended parent selection: every pool member may be picked,
with weight sigmoid(lam * (mean val score - alpha0)) / (1 + children), so strong candidates
are explored more and candidates that already have many children less (DGM, section 3)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from galapagos.archive import Frontier


class DGMSelector:
    def __init__(self, children: Callable[[], dict[str, int]], lam: float = 10.0,
                 alpha0: float = 0.5):
        self.children, self.lam, self.alpha0 = children, lam, alpha0

    def weights(self, frontier: Frontier, pool: list[str]) -> list[float]:
        kids = self.children()  # one query for every count
        return [1 / (1 + math.exp(-self.lam * (frontier.means.get(c, 0.0) - self.alpha0)))
                / (1 + kids.get(c, 0)) for c in pool]

    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str:
        return rng.choices(pool, weights=self.weights(frontier, pool), k=1)[0]
