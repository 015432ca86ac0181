"""Greedy selectors: the current best by mean val score, and epsilon-greedy."""

from __future__ import annotations

import random

from galapagos.archive import Frontier


class BestSelector:
    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str:
        return frontier.best_candidate() or pool[0]


class EpsilonGreedySelector:
    def __init__(self, epsilon: float):
        self.epsilon = epsilon

    def select(self, frontier: Frontier, pool: list[str], rng: random.Random) -> str:
        if rng.random() < self.epsilon:
            return rng.choice(pool)
        return frontier.best_candidate() or pool[0]
