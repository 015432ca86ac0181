"""Orchestrator overhead per iteration: wall time outside LLM and evaluation calls.

Runs the loop on an instant toy task with the instant deterministic fake LLM, so what is
left is the orchestrator itself: selection, SQLite writes, LangGraph checkpoints, events.

    python bench/loop_overhead.py [--iterations 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from galapagos.archive import Archive  # noqa: E402
from galapagos.orchestrator.config import load_config  # noqa: E402
from galapagos.orchestrator.runner import start_run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(None, base={
            "run": {"archive": f"{tmp}/a.db"},
            "task": {"name": f"{ROOT}/tests/fixtures/toy_task.py:create",
                     "options": {"n": 50}},
            "llm": {"model": "fake/deterministic"},
            "budget": {"max_iterations": args.iterations}})
        start = time.perf_counter()
        out = start_run(cfg)
        wall = time.perf_counter() - start
        a = Archive(out.archive)
        eval_s = a.db.execute("select coalesce(sum(duration_s),0) from evaluations").fetchone()[0]
        llm_s = a.db.execute("select coalesce(sum(latency_s),0) from llm_calls").fetchone()[0]
        iters = out.summary["iterations"]
        over = wall - eval_s - llm_s
        print(f"iterations                 {iters}")
        print(f"wall time (incl. start-up) {wall:8.3f} s")
        print(f"inside evaluations         {eval_s:8.3f} s")
        print(f"inside LLM calls           {llm_s:8.3f} s")
        print(f"orchestrator overhead      {over / iters * 1000:8.2f} ms per iteration")
        print(f"metric calls               {a.metric_calls(out.run_id)}")


if __name__ == "__main__":
    main()
