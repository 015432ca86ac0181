"""The DGM selector: weights as the paper defines them, draws in proportion, seeded."""

import math
import random

from galapagos.archive import Frontier
from galapagos.orchestrator.selectors.dgm import DGMSelector


def test_weights_and_draw_frequencies_match_the_definition():
    frontier = Frontier.from_scores({"a": {"i": 0.9}, "b": {"i": 0.5}, "c": {"i": 0.1}})
    kids = {"a": 3, "b": 0, "c": 0}
    sel = DGMSelector(lambda: kids)
    expected = [1 / (1 + math.exp(-10 * (s - 0.5))) / (1 + kids[c])
                for c, s in (("a", 0.9), ("b", 0.5), ("c", 0.1))]
    assert sel.weights(frontier, ["a", "b", "c"]) == expected
    rng, n = random.Random(1), 40000
    draws = [sel.select(frontier, ["a", "b", "c"], rng) for _ in range(n)]
    total = sum(expected)
    for c, w in zip("abc", expected, strict=True):
        assert abs(draws.count(c) / n - w / total) < 0.01
    assert draws[:50] == [sel.select(frontier, ["a", "b", "c"], r)
                          for r in [random.Random(1)] for _ in range(50)]
