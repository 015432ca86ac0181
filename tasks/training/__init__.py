"""Built-in training task, loss discovery (as DiscoPOP): the candidate is ``loss.py``, whose
``loss(logits, labels)`` returns a batch's mean loss and its gradient with respect to the
logits; a fixed trainer trains a small MLP with it for a fixed number of steps on a
label-noisy train set, and the score is the accuracy on a clean held-out set.

Each instance is one grading run in the sandbox, two-party (the grading library's
``HiddenGrader``, as the ``code`` task's): the
trainer (``trainer.py`` with the instance's data appended) is the hidden check, readable by
the grader uid alone; the candidate's module runs in the worker and answers one call per
step over the FIFO. So the candidate never sees the held-out data or the weights, cannot
take more steps, and cannot print the verdict; a loss that raises, answers malformed or
non-finite gradients, or runs past the wall clock scores 0 with the reason.

Options: ``seed`` (``cross_entropy``, ``brier``, ``focal``, or a path to a ``loss.py``),
``size`` (``small``: 300 points, 150 steps, 16 hidden units, a second or so per instance
on a CPU; ``large``: 3,000 points, 1,500 steps, 64 units), and ``steps``, ``hidden``,
``n_train`` to override one of them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.errors import TaskError
from galapagos.sandbox import Limits, RunRequest
from galapagos.tasks.grading import HiddenGrader, checked, points
from galapagos.tasks.grading.points import INSTANCES, make
from galapagos.tasks.protocol import Editable, Instance, Result, TaskContext

HERE = Path(__file__).parent
TRAINER = HERE / "trainer.py"
SEEDS = {p.stem: p for p in (HERE / "seed-scripts").glob("*.py")}
SIZES = {"small": {"n_train": 300, "steps": 150, "hidden": 16},
         "large": {"n_train": 3000, "steps": 1500, "hidden": 64}}
SMOKE = ("import loss\nv, g = loss.loss([[0.5, -1.0, 2.0], [0.0, 0.1, -0.2]], [2, 0])\n"
         "assert len(g) == 2 and all(len(r) == 3 for r in g), 'gradient shape'\nfloat(v)\n")


class LossDiscovery:
    name = "loss"
    objectives = {"sandbox_s": "min", "gpu_s": "min"}  # with the score, for frontier kinds

    def __init__(self, grader: HiddenGrader, sandbox: Any, limits: Limits, seed: Path,
                 config: dict[str, int]):
        self.grader, self._sandbox, self.limits = grader, sandbox, limits
        self.seed, self.config = seed, config
        self._instances = [Instance(f"{s}-noise{round(n * 100)}", split,
                                    {"set": s, "noise": n}) for s, n, split in INSTANCES]

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {}

    def seed_files(self) -> dict[str, str]:
        return {"loss.py": self.seed.read_text()}

    def editable(self) -> Editable:
        return Editable(paths=("loss.py",))

    def fingerprint(self) -> str:
        code = TRAINER.read_bytes() + Path(points.__file__).read_bytes()
        return f"loss:{hashlib.sha256(code).hexdigest()[:12]}:{sorted(self.config.items())}"

    def smoke(self, files: dict[str, str]) -> str | None:
        res = checked(self._sandbox().run(RunRequest(
            ["python3", "-c", SMOKE], files=_program(files), limits=self.limits)),
            "smoke-testing loss.py")
        return None if res.ok else \
            f"loss.py fails on a 2x3 batch: {(res.stderr or res.stdout).strip()[-400:]}"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        source = self.trainer_source(instance)
        labels = {"galapagos.evaluation": instance.id}
        v = self.grader.verdict(source, "--calls", _program(candidate), labels)
        objectives = {"sandbox_s": v.get("duration_s", 0.0), "gpu_s": v.get("gpu_s", 0.0)}
        if v["status"] != "SCORE":
            why = v["message"]
            if "raised while testing" in why:  # its answer did not cross as plain literals
                why = f"loss() answered what is not plain numbers (NaN, inf or objects): {why}"
            return Result(0.0, "", f"No score: {why}", {"verdict": v["message"]}, objectives)
        score, _, why = v["message"].partition(" ")
        return Result(float(score), score, why, {"verdict": why}, objectives)

    def trainer_source(self, instance: Instance) -> str:
        """The hidden check of one instance: the trainer, its data and its settings."""
        data, k = make(instance.input["set"], instance.input["noise"],
                       self.config["n_train"], self.config["n_train"])
        cfg = {"seed": 0, "classes": k, "hidden": self.config["hidden"],
               "steps": self.config["steps"], "batch": 32, "lr": 0.05}
        return f"{TRAINER.read_text()}\n\nDATA = {data!r}\nCONFIG = {cfg!r}\n"


def _program(files: dict[str, str]) -> dict[str, str]:
    return {p: t for p, t in files.items() if p.endswith(".py")}


def create(ctx: TaskContext) -> LossDiscovery:
    opts = dict(ctx.options)
    seed = str(opts.pop("seed", "cross_entropy"))
    size = str(opts.pop("size", "small"))
    if size not in SIZES:
        raise TaskError(f"Unknown loss task size '{size}'; known: {', '.join(SIZES)}.")
    config = {k: int(opts.pop(k, v)) for k, v in SIZES[size].items()}
    if opts:
        raise TaskError(f"Unknown loss task option(s): {', '.join(opts)}. Known: seed, size, "
                        "steps, hidden, n_train.")
    path = SEEDS.get(seed) or ctx.path(seed)
    if not path.is_file():
        raise TaskError(f"The loss task's seed '{seed}' is neither a shipped seed "
                        f"({', '.join(sorted(SEEDS))}) nor a file ({path} does not exist).")
    limits = ctx.limits or Limits()
    grader = HiddenGrader(ctx.sandbox, limits)
    return LossDiscovery(grader, ctx.sandbox, limits, path, config)
