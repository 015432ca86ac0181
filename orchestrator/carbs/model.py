"""CARBS' surrogate models, on scikit-learn and numpy (the reference uses pyro and torch):
a Gaussian process for the output (on quantile-transformed scores; Matérn-3/2 plus a linear
kernel plus noise), one for log cost, and one classifier for the probability that an
evaluation succeeds. All are fitted on basic-space coordinates (``space.py``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (ConstantKernel, DotProduct, Matern,
                                              WhiteKernel)
from scipy.stats import norm


@dataclass(eq=False)  # by identity: x is an array
class Observation:
    x: np.ndarray        # basic-space coordinates
    score: float         # higher is better (unused when failed)
    cost: float          # > 0
    failed: bool = False


def _kernel(dims: int) -> object:
    return (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.ones(dims), (1e-2, 1e2), nu=1.5)
            + ConstantKernel(0.1, (1e-4, 1e2)) * DotProduct(1.0, (1e-3, 1e2))
            + WhiteKernel(0.1, (1e-6, 1.0)))


class Surrogate:
    """Predicts, for basic-space points, the output (in the quantile-normal space), its
    standard deviation, log cost and the probability of success."""

    def __init__(self, observations: list[Observation], seed: int):
        ok = [o for o in observations if not o.failed]
        self.x = np.array([o.x for o in ok])
        dims = self.x.shape[1]
        self.quantiles = NormalScores([o.score for o in ok])
        y = self.quantiles.transform(np.array([o.score for o in ok]))
        self.output = _fit(GaussianProcessRegressor(_kernel(dims), normalize_y=True,
                                                    random_state=seed), self.x, y)
        self.log_cost = _fit(GaussianProcessRegressor(_kernel(dims), normalize_y=True,
                                                      random_state=seed),
                             self.x, np.log([o.cost for o in ok]))
        failed = [o.failed for o in observations]
        self.success = None
        if any(failed) and not all(failed):
            self.success = _fit(GaussianProcessClassifier(random_state=seed),
                                np.array([o.x for o in observations]),
                                np.array([0 if f else 1 for f in failed]))

    def to_output(self, scores: np.ndarray) -> np.ndarray:
        """Scores in the space the output model predicts."""
        return self.quantiles.transform(np.asarray(scores, float))

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mean, std = self.output.predict(x, return_std=True)
        cost = np.exp(self.log_cost.predict(x))
        p = np.ones(len(x)) if self.success is None else self.success.predict_proba(x)[:, 1]
        return mean, np.maximum(std, 1e-9), cost, p

    def draw(self, x: np.ndarray, seed: int) -> np.ndarray:
        """One Thompson sample of the output at ``x`` (what a pending suggestion is
        believed to score until it is observed)."""
        return self.output.sample_y(x, random_state=seed)[:, 0]


class NormalScores:
    """The quantile transform of scores to a standard normal, by their ranks (ties share
    one; between observed scores, linear): ``Φ⁻¹((rank + 1) / (n + 1))``. scikit-learn's
    QuantileTransformer sends the extremes of a small sample to ±5.2, which makes a GP on
    a handful of points see the best and the worst as outliers."""

    def __init__(self, scores: list[float]):
        values = np.unique(np.asarray(scores, float))
        ranks = np.array([np.mean(np.flatnonzero(np.sort(scores) == v)) for v in values])
        self.values, self.probs = values, (ranks + 1) / (len(scores) + 1)
        self.lo, self.hi = 0.5 / (len(scores) + 1), 1 - 0.5 / (len(scores) + 1)

    def transform(self, scores: np.ndarray) -> np.ndarray:
        p = np.interp(scores, self.values, self.probs, left=self.lo, right=self.hi)
        return norm.ppf(p)

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        return np.interp(norm.cdf(z), self.probs, self.values)


def _fit(model: object, x: np.ndarray, y: np.ndarray) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        model.fit(x, y)  # type: ignore[attr-defined]
    return model
