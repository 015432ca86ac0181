"""One CARBS suggestion (Fetterman et al. 2023, after imbue-ai/carbs): random samples around
the search centre until a few evaluations succeed; then candidates drawn around the members
of the score–cost Pareto front (within the search radius, in basic space), ranked by the
expected improvement over the front's value at each candidate's predicted cost, times its
predicted probability of success; pending suggestions (evaluations in flight, and the
siblings drafted before this one in its flight) count as observed with a Thompson draw of
their output.

Where it differs from the reference: scikit-learn GPs instead of pyro; every Pareto member
is an origin with equal weight (the reference weights by a prior over groups) and
observations are not grouped by nearness (each candidate is already a mean over its
instances); the cheapest fifth of costs counts as one member, as the reference's
``min_pareto_cost_fraction`` does; the front's value at a cost is the best member no dearer
(the reference fits a GP along the front); its ``exploration_bias`` (1 by default, as
there) is kept, its random floor on the front value (``clamp``) is off by default: on the
synthetic scaling task it lowered the median hypervolume (bench/carbs.py, 10 seeds: 0.333
with the bias alone, 0.325 with both, 0.285 with neither). Resampling a Pareto member
(``resample_every``, the proposer's) scores it on train instances it was not scored on: an
evaluation here is deterministic per (candidate, instance) and cached, so a new draw of
its noise is a new instance, and where a member was scored on all of train (the scaling
and script tasks) there is nothing to resample; with several proposals in flight it is
off, as a flight re-run after a crash would see its resampled scores early. Candidates are
rounded and masked by the knobs' bounds as the reference does (``box.py``)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from galapagos.archive.frontier import cost_front
from galapagos.orchestrator.carbs.box import Box
from galapagos.orchestrator.carbs.model import Observation, Surrogate


@dataclass(frozen=True)
class Settings:
    random_samples: int = 4     # successes before the surrogate takes over
    radius: float = 0.3         # basic-space units around a Pareto member
    candidates: int = 256       # points the acquisition ranks per suggestion
    max_cost: float | None = None
    min_cost_fraction: float = 0.2  # the cheapest fifth counts as one front member
    exploration_bias: float = 1.0  # subtracted from the predicted output in EI (normal units)
    clamp: bool = False  # the reference's random floor on the front value (see acquisition)
    resample_every: int = 0  # score a front member again after every N successes (0: never)
    mask_bounds: bool = True  # round integers, drop points outside the bounds (the reference)


def pareto_front(observations: Sequence[Observation]) -> list[Observation]:
    """The successes no other success beats at a lower or equal cost, cheapest first."""
    ok = [o for o in observations if not o.failed]
    return [ok[i] for i in cost_front([(o.cost, o.score) for o in ok])]


def search_front(observations: Sequence[Observation], fraction: float) -> list[Observation]:
    """The front the search works from, as the reference's Pareto groups: every success
    at or below the ``fraction`` quantile of cost stands in as its best one, so the search
    does not spend itself refining the cheapest corner; above it, the front as usual."""
    ok = [o for o in observations if not o.failed]
    floor = float(np.quantile([o.cost for o in ok], fraction))
    cheap = max((o for o in ok if o.cost <= floor), key=lambda o: o.score)
    above = [o for o in pareto_front(ok) if o.cost > floor and o.score > cheap.score]
    return [cheap, *above]


def front_value(costs: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The front's value at each cost in ``at``: the best member no dearer than it (below
    the cheapest member, that member's value: a cheaper point must beat it to improve)."""
    index = np.searchsorted(costs, at, side="right") - 1
    return values[np.clip(index, 0, len(values) - 1)]


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: np.ndarray) -> np.ndarray:
    z = (mean - best) / std
    return (mean - best) * norm.cdf(z) + std * norm.pdf(z)


DEFAULT = Settings()


def suggest(center: np.ndarray, observations: Sequence[Observation],
            pending: Sequence[np.ndarray], rng: random.Random,
            settings: Settings = DEFAULT, box: Box | None = None) -> np.ndarray:
    """The next point to evaluate, in basic space. With a ``box``, candidates are rounded
    and those outside it, or already observed or pending, are not drawn (unless none is
    left, when the search takes what it has, as before)."""
    draw = np.random.default_rng(rng.getrandbits(32))
    box = box if settings.mask_bounds else None
    taken = [o.x for o in observations] + list(pending)
    if sum(not o.failed for o in observations) < settings.random_samples:
        tries = center + draw.normal(0.0, settings.radius, size=(32, center.size))
        return _first_kept(tries, box, taken) if box else tries[0]
    seed = rng.getrandbits(31)
    model = Surrogate(list(observations), seed)
    if pending:
        model = _with_pending(model, list(observations), np.array(pending), seed)
    front = search_front(observations, settings.min_cost_fraction)
    origins = np.array([o.x for o in front])
    picks = draw.integers(0, len(origins), size=settings.candidates)
    cands = origins[picks] + draw.normal(0.0, settings.radius,
                                         size=(settings.candidates, center.size))
    if box:
        cands = box.round(cands)
        kept = box.keep(cands, taken)
        cands = cands[kept] if kept.any() else cands
    return cands[int(np.argmax(acquisition(model, front, cands, settings, draw)))]


def _first_kept(tries: np.ndarray, box: Box, taken: list[np.ndarray]) -> np.ndarray:
    """The first random draw inside the box and new (the first draw if none is)."""
    rounded = box.round(tries)
    kept = np.flatnonzero(box.keep(rounded, taken))
    return rounded[kept[0]] if kept.size else tries[0]


def acquisition(model: Surrogate, front: list[Observation], cands: np.ndarray,
                settings: Settings, draw: np.random.Generator | None = None) -> np.ndarray:
    """EI over the front's value at each candidate's predicted cost, times its probability
    of success. With ``clamp`` (the reference's default), that value is at least the
    front's value at one cost drawn log-uniformly between the front's cheapest and dearest
    members: cheap candidates must then beat a dearer member, which pushes the search up
    the front (where the reference spends its compute) rather than along its cheap end."""
    mean, std, cost, p_success = model.predict(cands)
    costs = np.array([o.cost for o in front])
    values = model.to_output(np.array([o.score for o in front]))
    best = front_value(costs, values, cost)
    if settings.clamp and draw is not None:
        top = min(costs[-1], settings.max_cost or np.inf)
        at = np.exp(draw.uniform(np.log(costs[0]), np.log(max(top, costs[0]))))
        best = np.maximum(best, front_value(costs, values, np.array([at])))
    score = expected_improvement(mean - settings.exploration_bias, std, best) * p_success
    if settings.max_cost is not None:
        score = np.where(cost <= settings.max_cost, score, -np.inf)
    return score


def _with_pending(model: Surrogate, observations: list[Observation], pending: np.ndarray,
                  seed: int) -> Surrogate:
    """The model refitted with each pending point believed to score a Thompson draw."""
    drawn = model.draw(pending, seed)
    scores = model.quantiles.inverse_transform(drawn)
    _, _, cost, _ = model.predict(pending)
    believed = [Observation(x, float(s), float(c))
                for x, s, c in zip(pending, scores, cost, strict=True)]
    return Surrogate(observations + believed, seed)


def scaling(front: Sequence[Observation], values: Sequence[dict[str, float]],
            log_knobs: set[str]) -> dict[str, float]:
    """Along the front, each knob's fitted exponent b in value ∝ cost^b (log knobs) or
    slope per e-fold of cost (others); needs three members."""
    if len(front) < 3:
        return {}
    logc = np.log([o.cost for o in front])
    out: dict[str, float] = {}
    for name in values[0]:
        ys = [v[name] for v in values]
        y = np.log(ys) if name in log_knobs and min(ys) > 0 else np.array(ys)
        if np.ptp(logc) > 0:
            out[name] = float(np.polyfit(logc, y, 1)[0])
    return {k: v for k, v in out.items() if math.isfinite(v)}
