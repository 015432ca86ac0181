"""Built-in synthetic task with a known optimum, for CARBS' tests and benchmarks: a
training recipe's loss follows a scaling law in width and steps, with a learning rate whose
best value shrinks as the model widens, and each instance adds its own noise.

The candidate is ``recipe.py`` with three knobs (``WIDTH``, ``STEPS``, ``LR``); the task
reads their values from the text (it never runs it), so it needs no sandbox. The score is
``1 / (1 + loss)``; the cost (objective ``cost``) is ``width × steps / 1e4``. A learning
rate more than ``diverge`` times its best diverges: the evaluation fails (it raises), as a
real run that blows up would. ``true_score(width, steps, lr)`` is the noiseless score, so a
search's front can be checked against the truth. Options: ``noise`` (default 0.02),
``diverge`` (default 30)."""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Sequence

from galapagos.tasks.protocol import Editable, Instance, Result, TaskContext

SEED = '''"""A training recipe; its knobs are what CARBS tunes."""

WIDTH = 64      # knob: log int 4..4096
STEPS = 200     # knob: log int 10..100000
LR = 0.003      # knob: log 1e-6..10
'''
_ASSIGN = re.compile(r"^(WIDTH|STEPS|LR)\s*=\s*([-+0-9.eE]+)", re.M)


def best_lr(width: float) -> float:
    return 0.05 / math.sqrt(width)


def true_loss(width: float, steps: float, lr: float) -> float:
    """The noiseless loss: capacity and data terms, plus a learning-rate penalty."""
    return (8.0 / width ** 0.5 + 30.0 / steps ** 0.5
            + 0.3 * math.log(lr / best_lr(width)) ** 2)


def true_score(width: float, steps: float, lr: float) -> float:
    return 1.0 / (1.0 + true_loss(width, steps, lr))


def cost(width: float, steps: float) -> float:
    return width * steps / 1e4


class ScalingLaw:
    name = "scaling"
    objectives = {"cost": "min"}

    def __init__(self, noise: float = 0.02, diverge: float = 30.0):
        self.noise, self.diverge = noise, diverge
        self._instances = [Instance(f"{split}-{i}", split, {"seed": i})  # type: ignore[arg-type]
                           for split, n in (("train", 4), ("val", 4), ("test", 4))
                           for i in range(n)]

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {}

    def seed_files(self) -> dict[str, str]:
        return {"recipe.py": SEED}

    def editable(self) -> Editable:
        return Editable(paths=("recipe.py",), start=None, end=None)

    def smoke(self, files: dict[str, str]) -> str | None:
        return None if _knobs(files) else "recipe.py must assign WIDTH, STEPS and LR"

    def fingerprint(self) -> str:
        code = true_loss.__code__.co_code + best_lr.__code__.co_code
        return f"scaling:{self.noise}:{self.diverge}:{hashlib.sha256(code).hexdigest()[:12]}"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        knobs = _knobs(candidate)
        if knobs is None:
            return Result(0.0, feedback="recipe.py must assign WIDTH, STEPS and LR numbers")
        width, steps, lr = knobs
        if lr > self.diverge * best_lr(width):
            raise RuntimeError(f"training diverged: LR {lr:g} is far too high for width "
                               f"{width:g}")
        rng = random.Random(f"{instance.id}:{width}:{steps}:{lr}")
        loss = true_loss(width, steps, lr) * math.exp(rng.gauss(0.0, self.noise))
        return Result(1.0 / (1.0 + loss), output=f"loss {loss:.4f}",
                      feedback=f"loss {loss:.4f} at cost {cost(width, steps):.3g}",
                      objectives={"cost": cost(width, steps)})


def _knobs(files: dict[str, str]) -> tuple[float, float, float] | None:
    found = dict(_ASSIGN.findall(files.get("recipe.py", "")))
    try:
        width, steps, lr = (float(found[k]) for k in ("WIDTH", "STEPS", "LR"))
    except (KeyError, ValueError):
        return None
    if width < 1 or steps < 1 or lr <= 0:
        return None
    return width, steps, lr


def create(ctx: TaskContext) -> ScalingLaw:
    return ScalingLaw(float(ctx.options.get("noise", 0.02)),
                      float(ctx.options.get("diverge", 30.0)))
