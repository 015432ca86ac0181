"""The Brier score: squared error between the softmax and the one-hot label."""

import math

# EVOLVE-BLOCK-START
SCALE = 1.0  # knob: log 0.01..100


def loss(logits, labels):
    """The batch's mean loss and its gradient with respect to each logit."""
    n, k = len(logits), len(logits[0])
    total, grad = 0.0, []
    for row, y in zip(logits, labels, strict=True):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        z = sum(exps)
        p = [e / z for e in exps]
        d = [pc - (c == y) for c, pc in enumerate(p)]
        total += SCALE * sum(v * v for v in d)
        # d/dlogit_j of sum_c d_c^2 = 2 * p_j * (d_j - sum_c d_c p_c)
        inner = sum(dc * pc for dc, pc in zip(d, p, strict=True))
        grad.append([SCALE * 2 * p[j] * (d[j] - inner) / n for j in range(k)])
    return total / n, grad
# EVOLVE-BLOCK-END
