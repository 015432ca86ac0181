"""Baseline training script: softmax regression on the raw features, trained with
full-batch gradient descent. It reads data/train.json ({"x": [[...], ...], "y": [...],
"classes": k}) and data/test_x.json ([[...], ...]) and writes out/predictions.json, one
class per test point."""

import json
import math
import os

LR = 0.5  # knob: log 1e-3..20
EPOCHS = 60  # knob: log int 5..400


def train(x, y, k):
    d = len(x[0])
    w = [[0.0] * k for _ in range(d + 1)]
    for _ in range(EPOCHS):
        grad = [[0.0] * k for _ in range(d + 1)]
        for xi, yi in zip(x, y, strict=True):
            p = softmax(scores(w, xi))
            for c in range(k):
                g = p[c] - (c == yi)
                for j, v in enumerate([*xi, 1.0]):
                    grad[j][c] += g * v / len(x)
        w = [[wj - LR * gj for wj, gj in zip(wr, gr, strict=True)]
             for wr, gr in zip(w, grad, strict=True)]
    return w


def scores(w, xi):
    return [sum(v * w[j][c] for j, v in enumerate([*xi, 1.0])) for c in range(len(w[0]))]


def softmax(s):
    top = max(s)
    e = [math.exp(v - top) for v in s]
    return [v / sum(e) for v in e]


def main():
    with open("data/train.json") as f:
        data = json.load(f)
    with open("data/test_x.json") as f:
        test_x = json.load(f)
    w = train(data["x"], data["y"], data["classes"])
    predictions = [max(range(data["classes"]), key=scores(w, xi).__getitem__) for xi in test_x]
    os.makedirs("out", exist_ok=True)
    with open("out/predictions.json", "w") as f:
        json.dump(predictions, f)


if __name__ == "__main__":
    main()
