"""GEPA's selection: sample a non-dominated frontier candidate with probability
proportional to the number of val instances on which it is (among the) best."""

from __future__ import annotations

import random

from galapagos.archive import Frontier


class ParetoSelector:
    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str:
        freq = frontier.frequencies()
        if not freq:
            return pool[0]
        ids = sorted(freq)  # fixed order: the same seed picks the same parent in any process
        return rng.choices(ids, weights=[freq[c] for c in ids], k=1)[0]
