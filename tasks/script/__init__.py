"""Built-in training task, improve a training script (as MLGym): the candidate is
``train.py``, a whole script. In the sandbox it finds ``data/train.json`` (``x``, ``y``,
``classes``) and ``data/test_x.json`` (the held-out points, without labels), trains
whatever it likes within the sandbox's wall clock, memory and CPU, and leaves
``out/predictions.json``, one class per held-out point. The host grades that artefact
against labels that never enter the sandbox: a script that prints a metric, writes a score
file or runs past its budget gains nothing, and a malformed artefact scores 0 with the
reason. Each instance is one data set (2-D, noisy, generated: nothing is downloaded) with
the baseline script's score, so feedback and reports give the improvement over it;
``profile.py`` computes MLGym's performance profiles and AUP across the sets.

Options: ``n_train`` (default 300; as many held-out points)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.errors import TaskError
from galapagos.sandbox import Limits, RunRequest
from galapagos.tasks.grading import checked, points
from galapagos.tasks.grading.points import make
from galapagos.tasks.protocol import Editable, Instance, Result, TaskContext

HERE = Path(__file__).parent
BASELINE, REFERENCE = HERE / "baseline.py", HERE / "reference.py"
SETS = [("blobs", 0.1, "train"), ("moons", 0.1, "train"), ("rings", 0.05, "train"),
        ("spirals", 0.05, "val"), ("xor", 0.1, "val"), ("moons", 0.2, "val"),
        ("rings", 0.1, "test"), ("spirals", 0.1, "test"), ("xor", 0.05, "test"),
        ("blobs", 0.2, "test")]
BASELINES = json.loads((HERE / "baselines.json").read_text())  # per n_train, per instance


class TrainingScript:
    name = "script"
    objectives = {"sandbox_s": "min", "gpu_s": "min"}  # with the score, for frontier kinds

    def __init__(self, sandbox: Any, limits: Limits, n_train: int = 300):
        self._sandbox, self.limits, self.n = sandbox, limits, n_train
        self._instances = [Instance(f"{s}-noise{round(z * 100)}", split, {"set": s, "noise": z})
                           for s, z, split in SETS]
        self.baselines: dict[str, float] = BASELINES.get(str(n_train), {})

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {}

    def seed_files(self) -> dict[str, str]:
        return {"train.py": BASELINE.read_text()}

    def editable(self) -> Editable:
        return Editable(paths=("*.py",))

    def fingerprint(self) -> str:
        code = Path(points.__file__).read_bytes() + \
            Path(__file__).read_bytes()  # the sets, their generator and the grader
        return f"script:{hashlib.sha256(code).hexdigest()[:12]}:{self.n}"

    def smoke(self, files: dict[str, str]) -> str | None:
        return None if "train.py" in files else "the candidate has no train.py"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        data, test_y, k = data_files(instance.input["set"], instance.input["noise"], self.n)
        files = {**{p: t for p, t in candidate.items() if p.endswith(".py")}, **data}
        res = checked(self._sandbox().run(RunRequest(
            ["python3", "train.py"], files=files, limits=self.limits,
            labels={"galapagos.evaluation": instance.id})), "running train.py")
        objectives = {"sandbox_s": res.duration_s, "gpu_s": res.gpu_seconds,
                      "peak_memory_mb": res.peak_memory_mb}
        trace = {"stdout": res.stdout[-2000:], "stderr": res.stderr[-2000:]}
        if not res.ok:
            why = "timed out" if res.timed_out else "ran out of memory" if res.oom_killed \
                else f"exited {res.exit_code}: {(res.stderr or res.stdout).strip()[-400:]}"
            return Result(0.0, "", f"train.py {why}", trace, objectives)
        score, why = grade(res.files.get("predictions.json"), test_y, k)
        base = self.baselines.get(instance.id)
        if base is not None and score > 0:
            why += f"; the baseline scores {base:.3f} ({score - base:+.3f})"
        return Result(score, f"{score:.4f}", why, trace, objectives)


def data_files(name: str, noise: float, n: int) -> tuple[dict[str, str], list[int], int]:
    """What a script finds under data/ for one set, the held-out labels it does not, and
    the number of classes."""
    data, k = make(name, noise, n, n, seed=1)
    (x, y), (test_x, test_y) = data["train"], data["heldout"]
    return {"data/train.json": json.dumps({"x": x, "y": y, "classes": k}),
            "data/test_x.json": json.dumps(test_x)}, test_y, k


def grade(artefact: bytes | None, labels: list[int], k: int) -> tuple[float, str]:
    """Held-out accuracy of ``out/predictions.json``, or 0 and what is wrong with it."""
    if artefact is None:
        return 0.0, "train.py left no out/predictions.json"
    try:
        preds = json.loads(artefact)
    except (ValueError, RecursionError):
        return 0.0, "out/predictions.json is not JSON (or is nested too deep to read)"
    if not isinstance(preds, list) or len(preds) != len(labels):
        return 0.0, f"out/predictions.json must be a list of {len(labels)} classes"
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p < k for p in preds):
        return 0.0, f"every prediction must be a class number from 0 to {k - 1}"
    acc = sum(p == t for p, t in zip(preds, labels, strict=True)) / len(labels)
    return acc, f"held-out accuracy {acc:.3f}"


def create(ctx: TaskContext) -> TrainingScript:
    opts = dict(ctx.options)
    n_train = int(opts.pop("n_train", 300))
    if opts:
        raise TaskError(f"Unknown script task option(s): {', '.join(opts)}. Known: n_train.")
    return TrainingScript(ctx.sandbox, ctx.limits or Limits(), n_train)
