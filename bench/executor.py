"""Executors: what Ray costs per evaluation, what a second node buys, and what K proposals
in flight buy on a task with slow evaluations.

- overhead per trivial evaluation: the Ray executor (a task on a local two-node cluster,
  the task rebuilt once per worker, calls handed back) vs local threads (target: under
  5 ms more at the median);
- throughput on a CPU-bound evaluation with 1 and 2 workers in flight on Ray (two nodes of
  one CPU each; target: at least 1.8x from 1 to 2 on this 2-core machine);
- a toy run with slow evaluations (0.2 s each) and K = 1, 2, 4 proposals in flight: wall
  time and iterations per minute.

    python bench/executor.py [--evals 200]

It starts its own Ray cluster (`ray start`) and stops it at the end (`ray stop`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from galapagos.archive import Archive, Candidate  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.executors import LocalExecutor, Sandboxes, build_task  # noqa: E402
from galapagos.tasks.protocol import Instance  # noqa: E402

RAY = str(Path(sys.executable).with_name("ray"))
TOY = str(ROOT / "tests" / "fixtures" / "toy_task.py") + ":create"
BUSY = str(Path(__file__).with_name("busy_task.py")) + ":create"


def cluster() -> str:
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a local cluster of this benchmark's own
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--num-cpus=1", "--object-store-memory=100000000", "--disable-usage-stats"]
    subprocess.run([RAY, "start", "--head", "--port=6389", "--include-dashboard=false",
                    *common], check=True, capture_output=True, env=env)
    subprocess.run([RAY, "start", "--address=127.0.0.1:6389", *common], check=True,
                   capture_output=True, env=env)
    return "127.0.0.1:6389"


def executors(name: str, address: str, folder: Path):
    from galapagos.orchestrator.executors.on_ray import RayExecutor

    cfg = load_config(None, {"task.name": name, "run.archive": str(folder / "a.db"),
                             "executor.kind": "ray", "executor.address": address})
    archive = Archive(cfg.run.archive)
    task, key = build_task(cfg, "bench", archive, Sandboxes().factory(cfg, "bench"))
    return LocalExecutor(task), RayExecutor(cfg, key, archive, "bench"), task


def per_call(ex, cand, insts) -> float:
    ex.evaluate(cand, insts[0])  # warm: the worker builds its task once
    times = []
    for inst in insts:
        t = time.perf_counter()
        ex.evaluate(cand, inst)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def overhead(address: str, n: int) -> None:
    local, ray_ex, task = executors(TOY, address, Path(tempfile.mkdtemp()))
    cand = Candidate(task.seed_candidate())
    insts = [Instance(f"i{k}", "train", "w", "w") for k in range(n)]
    lo, ra = per_call(local, cand, insts), per_call(ray_ex, cand, insts)
    print(f"trivial evaluation, median of {n}: Ray {ra * 1000:6.2f} ms, local thread "
          f"{lo * 1000:6.3f} ms, added {(ra - lo) * 1000:6.2f} ms")


def throughput(address: str, n: int) -> None:
    _, ray_ex, task = executors(BUSY, address, Path(tempfile.mkdtemp()))
    cand = Candidate(task.seed_candidate())
    with ThreadPoolExecutor(2) as pool:  # both nodes' workers build the task first
        list(pool.map(lambda i: ray_ex.evaluate(cand, i),
                      [Instance(f"warm{k}", "train", "x") for k in range(4)]))
    rates = {}
    for workers in (1, 2):
        insts = [Instance(f"w{workers}-{k}", "train", "x") for k in range(n)]
        t = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda i: ray_ex.evaluate(cand, i), insts))
        rates[workers] = n / (time.perf_counter() - t)
        print(f"CPU-bound evaluations on Ray, {workers} in flight: {rates[workers]:5.2f}/s")
    print(f"speed-up from 1 to 2 workers: {rates[2] / rates[1]:4.2f}x")


def flights() -> None:
    for k in (1, 2, 4):
        from galapagos.orchestrator.runner import start_run

        d = Path(tempfile.mkdtemp())
        cfg = load_config(None, {"task.name": TOY, "task.options": {"delay": 0.2},
                                 "run.archive": str(d / "a.db"), "llm.model":
                                 "fake/deterministic", "loop.in_flight": k,
                                 "loop.minibatch_size": 2, "budget.max_iterations": 8})
        out = start_run(cfg)
        events = Archive(out.archive).events(out.run_id)
        took = _seconds(events[-2]["created_at"]) - _seconds(next(
            e for e in events if e["kind"] == "seed")["created_at"])  # the loop, not the
        print(f"K = {k}: 8 iterations in {took:5.1f} s ({8 / took * 60:5.1f} per minute), "
              f"best val {out.summary['val'][out.summary['best']]:.3f}")  # seed or test


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=200)
    ap.add_argument("--busy", type=int, default=24)
    args = ap.parse_args()
    address = cluster()
    try:
        overhead(address, args.evals)
        throughput(address, args.busy)
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True)
    flights()


if __name__ == "__main__":
    main()
