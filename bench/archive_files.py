"""Archive bytes per child for program candidates: a 50-file program (about 2 KB a file)
and 1,000 children, each changing one file, stored content-addressed; beside it, what the
same children would take stored whole (every file again per child, as JSON).

    python bench/archive_files.py [--children 1000] [--files 50]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.archive import Archive, Candidate  # noqa: E402


def program(files: int) -> dict[str, str]:
    return {f"pkg/mod{i:02d}.py": "".join(f"def f{i}_{k}(x):\n    return x * {k} + {i}\n"
                                          for k in range(50)) for i in range(files)}


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=1000)
    ap.add_argument("--files", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "a.db"
        a = Archive(path)
        a.create_run("r", task="t", task_key="k", seed=0, config={})
        seed = Candidate({}, files=program(args.files))
        a.add_candidate("r", seed, iteration=0, role="seed")
        a.db.execute("pragma wal_checkpoint(truncate)")
        before, t = size(path), time.perf_counter()
        parent = seed
        for i in range(args.children):
            name = f"pkg/mod{i % args.files:02d}.py"
            files = {**parent.files, name: parent.files[name] + f"# child {i}\n"}
            parent = Candidate({}, (parent.id,), "edit", files=files)
            a.add_candidate("r", parent, iteration=i + 1, role="proposed")
        elapsed = time.perf_counter() - t
        a.db.execute("pragma wal_checkpoint(truncate)")
        grown = size(path) - before
        whole = len(json.dumps(seed.files).encode())
        print(f"{args.children} children of a {args.files}-file program "
              f"({whole / 1024:.0f} KiB as JSON)")
        print(f"archive growth         {grown / 1024:10.0f} KiB   {grown / args.children:8.0f} "
              f"bytes per child")
        print(f"stored whole (JSON)    {whole * args.children / 1024:10.0f} KiB   "
              f"{whole:8.0f} bytes per child   ratio {whole * args.children / grown:5.1f}x")
        print(f"distinct blobs         {a.db['blobs'].count:10d}   (files + one tree per child)")
        print(f"add_candidate          {elapsed / args.children * 1000:10.2f} ms per child")
        t = time.perf_counter()
        back = a.get_candidate(parent.id)
        print(f"get_candidate          {(time.perf_counter() - t) * 1000:10.2f} ms "
              f"({len(back.files)} files)")


if __name__ == "__main__":
    main()
