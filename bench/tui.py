"""The terminal UI on a big archive: 1,000 candidates x 500 val instances and 10,000 LLM
calls (generated). Time to first paint and to each screen switch (targets: first paint
under 1 s, a switch under 200 ms on 2 cores), and the memory used.

    python bench/tui.py [--candidates 1000] [--instances 500] [--calls 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.archive import Archive  # noqa: E402
from galapagos.ui import GalapagosApp  # noqa: E402


def build(path: Path, n: int, m: int, calls: int) -> str:
    a, rng, run = Archive(path), random.Random(0), "big-run"
    a.create_run(run, task="bench", task_key="k", seed=0, config={})
    ids = [f"{i:016x}" for i in range(n)]
    now = "2026-01-01T00:00:00+00:00"
    with a.db.conn:
        a.db.conn.executemany(
            "insert into candidates(id, components, parents, proposer, meta, created_at) "
            "values (?,?,?,?,?,?)", [(c, json.dumps({"instruction": f"text {i}"}),
                                      json.dumps([ids[rng.randrange(i)]] if i else []),
                                      "reflective", "{}", now) for i, c in enumerate(ids)])
        a.db.conn.executemany(
            "insert into run_candidates(run_id, candidate_id, iteration, role, created_at) "
            "values (?,?,?,?,?)", [(run, c, i, "seed" if i == 0 else "accepted", now)
                                   for i, c in enumerate(ids)])
        a.db.conn.executemany(
            "insert into evaluations(task_key, candidate_id, instance_id, split, score, "
            "feedback, run_id, created_at) values (?,?,?,?,?,?,?,?)",
            ((("k", c, f"v{j}", "val", rng.random(), "fb", run, now)
              for c in ids for j in range(m))))
        a.db.conn.executemany(
            "insert into llm_calls(run_id, model, purpose, messages, response, prompt_tokens, "
            "completion_tokens, cost_usd, latency_s, attempt, created_at) "
            "values (?,?,?,?,?,?,?,?,?,?,?)",
            [(run, "fake/x", "reflect", json.dumps([{"role": "user", "content": "p" * 500}]),
              "answer", 100, 20, 0.0, 0.1, 1, now) for _ in range(calls)])
        a.db.conn.executemany(
            "insert into events(run_id, key, kind, iteration, data, created_at) "
            "values (?,?,?,?,?,?)",
            [(run, f"it:{i}", "iteration", i, json.dumps(
                {"outcome": "accepted", "parent": ids[rng.randrange(i)], "child": ids[i],
                 "proposer": "reflective", "val": 0.5, "best_val": 0.5 + i / 4 / n,
                 "metric_calls": i * m}), now) for i in range(1, n)])
    a.update_run(run, status="finished", best_candidate=ids[-1], seed_candidate=ids[0],
                 summary={"best": ids[-1], "seed": ids[0], "iterations": n - 1})
    return run


async def measure(path: Path) -> None:
    app = GalapagosApp(path, poll_s=3600)
    t = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        print(f"first paint (runs list)        {(time.perf_counter() - t) * 1000:8.0f} ms")
        for keys, label in ((["enter"], "run dashboard"), (["b"], "candidate"),
                            (["escape", "g"], "lineage"), (["escape", "f"], "frontier"),
                            (["escape", "l"], "LLM calls")):
            t = time.perf_counter()
            await pilot.press(*keys)
            await pilot.pause()
            shown = time.perf_counter() - t
            await app.workers.wait_for_complete()  # screens that load in a worker
            await pilot.pause()
            print(f"switch to {label:20s} {shown * 1000:8.0f} ms   filled after "
                  f"{(time.perf_counter() - t) * 1000:6.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--instances", type=int, default=500)
    ap.add_argument("--calls", type=int, default=10000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.db"
        t = time.perf_counter()
        build(path, args.candidates, args.instances, args.calls)
        print(f"archive: {args.candidates} candidates x {args.instances} val instances, "
              f"{args.calls} LLM calls, {path.stat().st_size / 2**20:.0f} MiB, built in "
              f"{time.perf_counter() - t:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        asyncio.run(measure(path))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak memory                    {peak / 1024:8.0f} MiB "
              f"(+{(peak - before) / 1024:.0f} MiB for the UI)")


if __name__ == "__main__":
    main()
