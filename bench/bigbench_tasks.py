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
import re
import sys
import subprocess
import tarfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

SDIST = "bigbench-1.0.0.tar.gz"
SHA256 = "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "galapagos"
SPLITS = (("train", 30), ("val", 30), ("test", 100))
TASKS = ("sports_understanding", "metaphor_boolean", "misconceptions", "disambiguation_qa",
         "hyperbaton", "strategyqa", "date_understanding")


def sdist() -> Path:
    if path := os.environ.get("BIGBENCH_SDIST"):  # a copy: the same bytes, or other splits
        if hashlib.sha256(Path(path).read_bytes()).hexdigest() != SHA256:
            raise SystemExit(f"BIGBENCH_SDIST={path} is not {SDIST} as PyPI published it "
                             f"(sha256 {SHA256}); the splits would differ.")
        return Path(path)
    path = CACHE / SDIST
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        url = sdist_url()
        urllib.request.urlretrieve(url, part)
        if hashlib.sha256(part.read_bytes()).hexdigest() != SHA256:
            raise SystemExit(f"{url} does not match PyPI's sha256; delete {part} and retry.")
        part.rename(path)
    return path


def index_urls() -> list[str]:
    """The package indexes pip is configured with here (``pip config``, PIP_INDEX_URL),
    pip's own default last. `pip download` cannot fetch this sdist: it builds the
    metadata, and bigbench declares a direct-URL dependency."""
    shown = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                           capture_output=True, text=True).stdout
    found = [u for line in shown.splitlines() if "index-url" in line.split("=")[0]
             for u in line.split("=", 1)[1].strip("'\" ").split()]
    found += os.environ.get("PIP_INDEX_URL", "").split()
    from pip._internal.models.index import PyPI  # pip's default index, not a host of ours

    return [*found, PyPI.simple_url]


def sdist_url() -> str:
    """The sdist's link on the first configured index that lists it (PEP 503 simple page)."""
    for index in index_urls():
        try:
            page = urllib.request.urlopen(f"{index.rstrip('/')}/bigbench/", timeout=60).read()
        except (OSError, ValueError):
            continue
        for href in re.findall(rb'href="([^"]+)"', page):
            link = urllib.parse.urljoin(f"{index.rstrip('/')}/bigbench/", href.decode())
            if link.split("#")[0].endswith("/" + SDIST):
                return link.split("#")[0]
    raise SystemExit(f"No configured package index lists {SDIST}; set BIGBENCH_SDIST to a copy.")


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


def tasks_where(keep: Callable[[str], bool]) -> dict[str, dict]:
    """Every JSON task whose name ``keep`` accepts, in one pass; a subtask is named
    ``task/subtask``."""
    pattern = re.compile(
        r"bigbench-1\.0\.0/bigbench/benchmark_tasks/([^/]+(?:/[^/]+)?)/task\.json")
    found: dict[str, dict] = {}
    with tarfile.open(sdist(), "r|gz") as tar:
        for info in tar:
            if (m := pattern.fullmatch(info.name)) and keep(m.group(1)):
                try:
                    found[m.group(1)] = json.load(tar.extractfile(info))  # type: ignore[arg-type]
                except (ValueError, UnicodeDecodeError):
                    continue  # a task.json that is not JSON (none in 1.0.0 that we know of)
    return dict(sorted(found.items()))


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
    path = folder / f"{name.replace('/', '__')}.jsonl"
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
