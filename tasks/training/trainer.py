"""The trainer of the loss-discovery task: the hidden check of a two-party grading run.

It runs as the grader uid, the only one that can read it, with its data appended by the
task (``DATA``: the noisy train set and the clean held-out set, and ``CONFIG``). It owns the
model (a one-hidden-layer MLP, pure Python) and its training loop; the candidate's
``loss(logits, labels)`` lives in the worker process (the sandbox uid) and is reached over
the FIFO, one call per step, with plain lists: it returns the batch's mean loss and its
gradient with respect to the logits. So the candidate never sees the held-out set, cannot
touch the weights, take more steps than ``CONFIG["steps"]`` or print the verdict; what it
returns is checked before it is used. The verdict is the held-out accuracy."""

import math
import random
import sys


def check(call):
    cfg = CONFIG  # noqa: F821 - appended by the task
    x, y = DATA["train"]  # noqa: F821
    rng = random.Random(cfg["seed"])
    k, h = cfg["classes"], cfg["hidden"]
    w1 = [[rng.gauss(0, 1 / math.sqrt(len(x[0]))) for _ in range(h)] for _ in x[0]]
    w2 = [[rng.gauss(0, 1 / math.sqrt(h)) for _ in range(k)] for _ in range(h)]
    b1, b2 = [0.0] * h, [0.0] * k
    params = [w1, b1, w2, b2]
    velocity = [_zeros(p) for p in params]
    losses = []
    for step in range(cfg["steps"]):
        idx = [rng.randrange(len(x)) for _ in range(cfg["batch"])]
        xb, yb = [x[i] for i in idx], [y[i] for i in idx]
        hid, logits = _forward(params, xb)
        value, grad = _checked(call("loss.loss", logits, yb), len(xb), k, step)
        losses.append(value)
        grads = _backward(params, xb, hid, grad)
        for p, v, g in zip(params, velocity, grads, strict=True):
            _momentum_step(p, v, g, cfg["lr"], 0.9)
    xs, ys = DATA["heldout"]  # noqa: F821
    _, logits = _forward(params, xs)
    right = sum(max(range(k), key=row.__getitem__) == t for row, t in zip(logits, ys, strict=True))
    acc = right / len(ys)
    _verdict(f"SCORE {acc:.6f} held-out accuracy {acc:.3f} after {cfg['steps']} steps; "
             f"the loss went from {_mean(losses[:10]):.4g} to {_mean(losses[-10:]):.4g}")


def _checked(answer, rows, k, step):
    """The loss's answer, or a verdict of 0 that says what is wrong with it."""
    try:
        value, grad = answer
        value = float(value)
        grad = [[float(g) for g in row] for row in grad]
        assert len(grad) == rows and all(len(row) == k for row in grad)
    except (TypeError, ValueError, AssertionError):
        _verdict(f"SCORE 0 at step {step} loss() returned no (value, gradient) pair with a "
                 f"gradient of {rows} rows of {k} numbers")
    if not all(math.isfinite(g) for row in grad for g in row) or not math.isfinite(value):
        _verdict(f"SCORE 0 at step {step} loss() returned a value or gradient that is not "
                 "finite")
    return value, grad


def _forward(params, xb):
    w1, b1, w2, b2 = params
    hid = [[max(0.0, v) for v in row] for row in _dense(xb, w1, b1)]
    return hid, _dense(hid, w2, b2)


def _dense(rows, w, b):
    cols = list(zip(*w, strict=True))
    return [[sum(a * c for a, c in zip(row, col, strict=True)) + bias
             for col, bias in zip(cols, b, strict=True)] for row in rows]


def _backward(params, xb, hid, grad):
    _, _, w2, _ = params
    gw2 = [[sum(hid[n][j] * grad[n][c] for n in range(len(xb))) for c in range(len(grad[0]))]
           for j in range(len(w2))]
    gb2 = [sum(g[c] for g in grad) for c in range(len(grad[0]))]
    ghid = [[(sum(w2[j][c] * grad[n][c] for c in range(len(grad[0]))) if hid[n][j] > 0
              else 0.0) for j in range(len(w2))] for n in range(len(xb))]
    gw1 = [[sum(xb[n][i] * ghid[n][j] for n in range(len(xb))) for j in range(len(w2))]
           for i in range(len(xb[0]))]
    gb1 = [sum(g[j] for g in ghid) for j in range(len(w2))]
    return [gw1, gb1, gw2, gb2]


def _momentum_step(p, v, g, lr, beta):
    if isinstance(p[0], list):
        for pr, vr, gr in zip(p, v, g, strict=True):
            _momentum_step(pr, vr, gr, lr, beta)
        return
    for i, gi in enumerate(g):
        v[i] = beta * v[i] + max(-5.0, min(5.0, gi))  # clipped: one wild step is not fatal
        p[i] -= lr * v[i]


def _zeros(p):
    return [_zeros(r) for r in p] if isinstance(p[0], list) else [0.0] * len(p)


def _mean(xs):
    return sum(xs) / max(len(xs), 1)


def _verdict(text):
    print(f"VERDICT {text}"[:400], flush=True)
    sys.exit(0)
