"""BIG-bench JSON tasks as ``qa`` task data: fixed seeded splits of 30 train, 30 val and
100 test, written as JSONL of ``{id, split, input, answer, choices}``.

The tasks come from the ``bigbench`` 1.0.0 sdist on PyPI (its wheel-less metadata cannot be
installed with pip, so the sdist is fetched whole, checked against PyPI's sha256, and kept
in ~/.cache/galapagos). Set BIGBENCH_SDIST to use a copy already on disk.

    python bench/bigbench_tasks.py sports_understanding hyperbaton   # prints the paths
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tarfile
import urllib.request
from pathlib import Path

SDIST = "bigbench-1.0.0.tar.gz"
URL = ("https://files.pythonhosted.org/packages/95/f8/c019b3579df548a04cac12342cfcb878e50ddf"
       "6cfcd7fddba8cfc721c157/" + SDIST)
SHA256 = "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "galapagos"
SPLITS = (("train", 30), ("val", 30), ("test", 100))
TASKS = ("sports_understanding", "metaphor_boolean", "misconceptions", "disambiguation_qa",
         "hyperbaton", "strategyqa", "date_understanding")


def sdist() -> Path:
    if path := os.environ.get("BIGBENCH_SDIST"):
        return Path(path)
    path = CACHE / SDIST
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        urllib.request.urlretrieve(URL, part)
        if hashlib.sha256(part.read_bytes()).hexdigest() != SHA256:
            raise SystemExit(f"{URL} does not match PyPI's sha256; delete {part} and retry.")
        part.rename(path)
    return path


def task_jsons(names: list[str]) -> dict[str, dict]:
    """The named tasks' task.json, read in one pass over the 358 MB archive."""
    members = {f"bigbench-1.0.0/bigbench/benchmark_tasks/{n}/task.json": n for n in names}
    found: dict[str, dict] = {}
    with tarfile.open(sdist(), "r|gz") as tar:
        for info in tar:
            if info.name in members:
                found[members[info.name]] = json.load(tar.extractfile(info))  # type: ignore[arg-type]
    if missing := [n for n in names if n not in found]:
        raise SystemExit(f"BIG-bench has no JSON task named {', '.join(missing)}.")
    return found


def rows(name: str, task: dict, seed: int = 0) -> list[dict]:
    """Multiple-choice examples (options shuffled per example) or exact-match ones."""
    rng = random.Random(f"{name}:{seed}")
    out = []
    for n, ex in enumerate(task["examples"]):
        if scores := ex.get("target_scores"):
            top = max(scores.values())
            choices = list(scores)
            rng.shuffle(choices)
            answer = [c for c in choices if scores[c] == top]
        else:
            target = ex["target"]
            choices, answer = [], [target] if isinstance(target, str) else list(target)
        out.append({"id": f"{name}-{n}", "input": ex["input"], "answer": answer,
                    "choices": choices})
    return out


def write_all(names: list[str], folder: Path, seed: int = 0) -> list[Path]:
    tasks = task_jsons(names)
    return [write(n, tasks[n], folder, seed) for n in names]


def write(name: str, task: dict, folder: Path, seed: int = 0) -> Path:
    examples = rows(name, task, seed)
    random.Random(f"split:{name}:{seed}").shuffle(examples)
    need = sum(k for _, k in SPLITS)
    if len(examples) < need:
        raise SystemExit(f"'{name}' has {len(examples)} examples; the splits need {need}.")
    path = folder / f"{name}.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        start = 0
        for split, k in SPLITS:
            for ex in examples[start:start + k]:
                f.write(json.dumps({**ex, "split": split}) + "\n")
            start += k
    return path


if __name__ == "__main__":
    for written in write_all(sys.argv[1:] or list(TASKS), CACHE / "bigbench"):
        print(written)
