"""The LLM gateway's cost and agent throughput.

- latency the gateway adds per call: an agent-side call through the Unix socket (HTTP,
  JSON, caps, cache key, the run's client) vs the same client called directly, both on a
  fake model and logging to a real archive (target: under 5 ms added at the median);
- agent evaluations per minute in Docker (the seed agent, the scripted oracle model, the
  hidden-test grading), at concurrency 1 and 2.

    python bench/gateway.py [--calls 300] [--evals 12]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.agents.gateway import CLIENT, Gateway  # noqa: E402
from galapagos.agents.llm import FakeLLM, LLMClient, scope  # noqa: E402
from galapagos.archive import Archive  # noqa: E402


def client_module():
    spec = importlib.util.spec_from_file_location("galapagos_llm", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def latency(calls: int) -> None:
    archive = Archive(Path(tempfile.mkdtemp()) / "a.db")
    FakeLLM("bench", rule=lambda m: "ok")
    direct = LLMClient("fake/bench", log=archive, run_id="r")
    gw = Gateway(lambda m: LLMClient(m, log=archive, run_id="r"), ["fake/bench"])
    gl = client_module()
    msgs = [{"role": "user", "content": "hello"}]
    with gw.session({"candidate_id": "c", "instance_id": "i"}) as sess:
        sock = str(sess.socket)
        gw.caps = sess.caps = type(sess.caps)(calls=10**9, tokens=10**12, cost_usd=1e9)
        ours, bare = [], []
        for n in range(calls):
            t = time.perf_counter()
            gl.complete([{"role": "user", "content": f"hello {n}"}], socket_path=sock,
                        model="fake/bench", max_tokens=5)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            direct.complete(msgs, purpose="agent", max_tokens=5)
            bare.append(time.perf_counter() - t)
    mo, mb = statistics.median(ours), statistics.median(bare)
    print(f"per call, median of {calls}: through the gateway {mo * 1000:6.2f} ms, direct "
          f"{mb * 1000:6.2f} ms, added {(mo - mb) * 1000:6.2f} ms (ratio {mo / mb:4.2f}x)")


def throughput(evals: int) -> None:
    from galapagos.sandbox import Limits, make_sandbox
    from galapagos.tasks import TaskContext
    from tests.fixtures import agent_oracle

    box = make_sandbox("docker")
    archive = Archive(Path(tempfile.mkdtemp()) / "a.db")
    task = agent_oracle.create(TaskContext(
        options={"functions": ""}, llm=lambda m: LLMClient(m, log=archive, run_id="r"),
        sandbox=lambda: box, limits=Limits(), run_id="r"))
    agent, insts = task.seed_files(), list(task.instances())[:evals]

    def one(inst):
        with scope.evaluation(f"bench-{time.perf_counter()}", inst.id):
            return task.evaluate(agent, inst).score
    for workers in (1, 2):
        t = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            scores = list(pool.map(one, insts))
        took = time.perf_counter() - t
        print(f"agent evaluations, concurrency {workers}: {len(insts) / took * 60:6.1f} per "
              f"minute ({len(insts)} in {took:5.1f} s, {sum(scores):g} solved)")
    box.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--evals", type=int, default=12)
    args = ap.parse_args()
    latency(args.calls)
    throughput(args.evals)


if __name__ == "__main__":
    main()
