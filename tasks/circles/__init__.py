"""Built-in program task: pack 26 circles in the unit square to maximise the sum of their
radii (the benchmark of AlphaEvolve, OpenEvolve and ShinkaEvolve: about 2.635 published).

The candidate is a program, ``packing.py``, whose ``pack()`` returns ``[(x, y, r), ...]``;
only its EVOLVE-BLOCK region may change. It runs in the sandbox under a harness this task
adds (a file of the same name in the candidate is replaced), which prints the circles as
JSON. The score is computed here, on the host, by a grader the candidate cannot reach: it
checks containment and overlap itself and sums the radii, so nothing the candidate prints
or writes can raise its score above what its circles are worth. Options: ``n`` (circles,
default 26), ``tolerance`` (default 1e-9)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.errors import TaskError
from galapagos.sandbox import Limits, RunRequest
from galapagos.tasks.grading import checked
from galapagos.tasks.protocol import Editable, Instance, Result, TaskContext

SEED = Path(__file__).with_name("seed_packing.py")
HARNESS = """import json, sys
from packing import pack
sys.stdout.write("\\nCIRCLES " + json.dumps([[float(v) for v in c] for c in pack()]) + "\\n")
"""


class CirclePacking:
    name = "circles"
    objectives = {"sandbox_s": "min"}  # with the score, for frontier kinds

    def __init__(self, sandbox: Any, limits: Limits, n: int = 26, tolerance: float = 1e-9):
        self._sandbox, self.limits, self.n, self.tol = sandbox, limits, n, tolerance
        problem = {"n": n}
        self._instances = [Instance(f"{split}-n{n}", split, problem)  # one problem, scored
                           for split in ("train", "val", "test")]   # the same way in each

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {}

    def seed_files(self) -> dict[str, str]:
        return {"packing.py": SEED.read_text()}

    def editable(self) -> Editable:
        return Editable(paths=("packing.py",))

    def fingerprint(self) -> str:
        h = hashlib.sha256(HARNESS.encode() + grade.__code__.co_code).hexdigest()[:12]
        return f"circles:{self.n}:{self.tol}:{h}"

    def smoke(self, files: dict[str, str]) -> str | None:
        r = self._run(files, ["python3", "-c", "import packing; assert callable(packing.pack)"])
        return None if r.ok else f"packing.py does not import: {_tail(r)}"

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        r = self._run(candidate, ["python3", "main.py"])
        objectives = {"sandbox_s": r.duration_s, "peak_memory_mb": r.peak_memory_mb}
        if not r.ok:
            why = "timed out" if r.timed_out else "ran out of memory" if r.oom_killed \
                else f"exited {r.exit_code}: {_tail(r)}"
            return Result(0.0, "", f"The program {why}", {"stderr": r.stderr[-2000:]},
                          objectives)
        line = next((ln for ln in reversed(r.stdout.splitlines())
                     if ln.startswith("CIRCLES ")), "")
        score, feedback = grade(line.removeprefix("CIRCLES "), self.n, self.tol)
        return Result(score, line[:2000], feedback, {"stderr": r.stderr[-2000:]}, objectives)

    def _run(self, files: dict[str, str], argv: list[str]) -> Any:
        program = {p: t for p, t in files.items() if p.endswith(".py")}
        return checked(self._sandbox().run(RunRequest(
            argv, files={**program, "main.py": HARNESS}, limits=self.limits)),
            "running the packing program")


def grade(text: str, n: int, tol: float) -> tuple[float, str]:
    """The sum of radii of a valid packing of ``n`` circles, or 0 and what is wrong."""
    try:
        circles = json.loads(text)
        assert isinstance(circles, list) and len(circles) == n
        circles = [(float(x), float(y), float(r)) for x, y, r in circles]
        assert all(map(math.isfinite, (v for c in circles for v in c)))
    except (ValueError, TypeError, AssertionError, RecursionError):
        return 0.0, f"pack() must return {n} (x, y, r) triples of finite numbers."
    for i, (x, y, r) in enumerate(circles):
        if r < 0 or min(x - r, y - r, 1 - x - r, 1 - y - r) < -tol:
            return 0.0, f"Circle {i} at ({x:.4f}, {y:.4f}) r={r:.4f} leaves the unit square."
    for i in range(n):
        for j in range(i):
            gap = math.dist(circles[i][:2], circles[j][:2]) - circles[i][2] - circles[j][2]
            if gap < -tol:
                return 0.0, f"Circles {j} and {i} overlap by {-gap:.2e}."
    total = sum(c[2] for c in circles)
    return total, f"Valid packing; the radii sum to {total:.6f}."


def _tail(r: Any) -> str:
    return (r.stderr or r.stdout).strip()[-400:]


def create(ctx: TaskContext) -> CirclePacking:
    opts = dict(ctx.options)
    n, tol = int(opts.pop("n", 26)), float(opts.pop("tolerance", 1e-9))
    if opts:
        raise TaskError(f"Unknown circles task option(s): {', '.join(opts)}. Known: n, "
                        "tolerance.")
    return CirclePacking(ctx.sandbox, ctx.limits, n, tol)
