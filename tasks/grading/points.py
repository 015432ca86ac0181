"""The loss-discovery task's data, generated on the host from fixed seeds (nothing is
downloaded): small 2-D classification sets with symmetric label noise on the train part
and clean held-out labels, so a loss that resists noise shows on the held-out accuracy."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

Point = list[float]
Maker = Callable[[random.Random, int], tuple[list[Point], list[int], int]]


def blobs(rng: random.Random, n: int) -> tuple[list[Point], list[int], int]:
    centres = [(math.cos(a), math.sin(a)) for a in (0.0, 2.1, 4.2)]
    ys = [rng.randrange(3) for _ in range(n)]
    return [[centres[c][0] + rng.gauss(0, 0.55), centres[c][1] + rng.gauss(0, 0.55)]
            for c in ys], ys, 3


def spirals(rng: random.Random, n: int) -> tuple[list[Point], list[int], int]:
    xs, ys = [], []
    for _ in range(n):
        c, t = rng.randrange(3), rng.uniform(0.2, 1.0)
        a = 2 * math.pi * c / 3 + 3.5 * t
        xs.append([t * math.cos(a) + rng.gauss(0, 0.06), t * math.sin(a) + rng.gauss(0, 0.06)])
        ys.append(c)
    return xs, ys, 3


def moons(rng: random.Random, n: int) -> tuple[list[Point], list[int], int]:
    xs, ys = [], []
    for _ in range(n):
        c, a = rng.randrange(2), rng.uniform(0, math.pi)
        x, y = (math.cos(a), math.sin(a)) if c == 0 else (1 - math.cos(a), 0.5 - math.sin(a))
        xs.append([x + rng.gauss(0, 0.15), y + rng.gauss(0, 0.15)])
        ys.append(c)
    return xs, ys, 2


def rings(rng: random.Random, n: int) -> tuple[list[Point], list[int], int]:
    xs, ys = [], []
    for _ in range(n):
        c, a = rng.randrange(3), rng.uniform(0, 2 * math.pi)
        r = 0.4 + 0.45 * c + rng.gauss(0, 0.1)
        xs.append([r * math.cos(a), r * math.sin(a)])
        ys.append(c)
    return xs, ys, 3


def xor(rng: random.Random, n: int) -> tuple[list[Point], list[int], int]:
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
    return xs, [int((x > 0) != (y > 0)) for x, y in xs], 2


MAKERS: dict[str, Maker] = {"blobs": blobs, "spirals": spirals, "moons": moons,
                            "rings": rings, "xor": xor}
# (set, noise on the train labels, split): fixed, so a run's val and test never move
INSTANCES = [("blobs", 0.3, "train"), ("spirals", 0.2, "train"), ("moons", 0.3, "train"),
             ("rings", 0.2, "train"), ("blobs", 0.4, "val"), ("spirals", 0.3, "val"),
             ("xor", 0.3, "val"), ("moons", 0.4, "test"), ("rings", 0.3, "test"),
             ("xor", 0.2, "test")]


def make(name: str, noise: float, n_train: int, n_heldout: int,
         seed: int = 0) -> tuple[dict[str, tuple[list[Point], list[int]]], int]:
    """The train set (``noise`` of its labels replaced by another class) and the clean
    held-out set of one instance, and its number of classes."""
    x, y, k = MAKERS[name](random.Random(f"{name}:{seed}"), n_train + n_heldout)
    x = [[round(v, 5) for v in p] for p in x]
    flips = random.Random(f"{name}:{seed}:noise")
    train_y = [(t + flips.randrange(1, k)) % k if flips.random() < noise else t
               for t in y[:n_train]]
    return {"train": (x[:n_train], train_y), "heldout": (x[n_train:], y[n_train:])}, k
