"""Softmax cross-entropy, with label smoothing (0: none)."""

import math

# EVOLVE-BLOCK-START
SMOOTHING = 0.0  # knob: linear 0..0.5


def loss(logits, labels):
    """The batch's mean loss and its gradient with respect to each logit."""
    n, k = len(logits), len(logits[0])
    total, grad = 0.0, []
    for row, y in zip(logits, labels, strict=True):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        z = sum(exps)
        p = [e / z for e in exps]
        target = [SMOOTHING / k + (1 - SMOOTHING) * (c == y) for c in range(k)]
        total -= sum(t * math.log(max(pc, 1e-12)) for t, pc in zip(target, p, strict=True))
        grad.append([(pc - t) / n for pc, t in zip(p, target, strict=True)])
    return total / n, grad
# EVOLVE-BLOCK-END
