"""Focal loss: cross-entropy weighted by (1 - p_y) ** GAMMA, easy examples count less."""

import math

# EVOLVE-BLOCK-START
GAMMA = 2.0  # knob: log 0.05..20


def loss(logits, labels):
    """The batch's mean loss and its gradient with respect to each logit."""
    n, k = len(logits), len(logits[0])
    total, grad = 0.0, []
    for row, y in zip(logits, labels, strict=True):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        z = sum(exps)
        p = [e / z for e in exps]
        py = max(p[y], 1e-12)
        w = (1 - py) ** GAMMA
        total -= w * math.log(py)
        # dL/dpy, then through the softmax: dpy/dlogit_j = py * ((j == y) - p_j)
        dpy = GAMMA * (1 - py) ** max(GAMMA - 1, 0) * math.log(py) - w / py
        grad.append([dpy * py * ((j == y) - p[j]) / n for j in range(k)])
    return total / n, grad
# EVOLVE-BLOCK-END
