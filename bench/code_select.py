"""One iteration's bookkeeping with 1,000 program candidates in the pool: pick a parent
(pareto and dgm), load its files from the archive, and add a child to the frontier, with
50 val instances per candidate. Times are medians over 200 repetitions.

    python bench/code_select.py [--candidates 1000] [--instances 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.archive import Archive, Candidate, Frontier  # noqa: E402
from galapagos.orchestrator.config import SelectorConfig  # noqa: E402
from galapagos.orchestrator.selectors import make_selector  # noqa: E402


def median_ms(fn, n=200):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--instances", type=int, default=50)
    args = ap.parse_args()
    rng = random.Random(0)
    base = {f"m{i}.py": f"X{i} = {i}\n" * 40 for i in range(20)}
    with tempfile.TemporaryDirectory() as d:
        a = Archive(Path(d) / "a.db")
        a.create_run("r", task="t", task_key="k", seed=0, config={})
        scores, parent, t = {}, None, time.perf_counter()
        for c in range(args.candidates):
            files = {**base, f"m{c % 20}.py": f"X = {c}\n"}
            cand = Candidate({}, (parent,) if parent else (), "edit", files=files)
            a.add_candidate("r", cand, iteration=c, role="accepted")
            scores[cand.id] = {f"v{i}": rng.random() for i in range(args.instances)}
            parent = cand.id
        print(f"{args.candidates} program candidates stored in "
              f"{time.perf_counter() - t:.1f} s")
        pool = a.pool("r")
        frontier = Frontier.from_scores(scores)
        frontier.frequencies()
        for kind in ("pareto", "dgm"):
            sel = make_selector(SelectorConfig(kind=kind), lambda: a.children("r"))
            ms = median_ms(lambda s=sel: s.select(frontier, pool, rng), 50)
            print(f"select ({kind:6s})               {ms:8.2f} ms")
        print(f"pool query                      {median_ms(lambda: a.pool('r')):8.2f} ms")
        print(f"load the parent's files          "
              f"{median_ms(lambda: a.get_candidate(rng.choice(pool))):8.2f} ms")
        child = {f"v{i}": rng.random() for i in range(args.instances)}
        print(f"frontier add + frequencies      "
              f"{median_ms(lambda: (frontier.add('x', child), frontier.frequencies())):8.2f} ms")


if __name__ == "__main__":
    main()
