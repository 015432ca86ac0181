"""Which train instances an iteration reflects on.

``epoch``: the gepa library's epoch-shuffled sampling. Each epoch is a fresh seeded shuffle
of train cut into minibatches, its last one topped up from the epoch's start, so every
instance is seen once before any is seen again. The minibatch of iteration i is a pure
function of (seed, i): resume and parallel iterations need no sampler state."""

from __future__ import annotations

import random
from collections.abc import Sequence


def epoch_minibatch(ids: Sequence[str], k: int, iteration: int, seed: int | str) -> list[str]:
    """The minibatch of 1-based ``iteration``: k distinct ids, each epoch covering all."""
    n = len(ids)
    k = min(k, n)
    per_epoch = -(-n // k)
    epoch, j = divmod(iteration - 1, per_epoch)
    order = sorted(ids)
    random.Random(f"{seed}:epoch:{epoch}").shuffle(order)
    padded = order + order[:per_epoch * k - n]
    return padded[j * k:(j + 1) * k]
