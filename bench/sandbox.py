"""Sandbox latency and throughput, each beside the same work done bare, as ratios.

- cold start: a fresh hardened sandbox running `true` (create + start + run + remove)
  vs a bare `docker run --rm IMAGE true` through the same API (and the docker CLI);
- warm: one evaluation in a warm-pool container vs a bare `docker exec` of `true`;
- throughput with 1, 2 and 4 concurrent sandboxes vs as many threads of bare execs.

    python bench/sandbox.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.sandbox import RunRequest  # noqa: E402
from galapagos.sandbox.docker_backend import DockerSandbox  # noqa: E402


def timed(fn, n):
    fn()  # warm-up
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def row(label, ours, bare, unit="ms"):
    print(f"{label:38s} ours {ours * 1000:8.1f} {unit}   bare {bare * 1000:8.1f} {unit}   "
          f"ratio {ours / bare:5.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    n = ap.parse_args().repeat
    sb = DockerSandbox(gpus=[], concurrency=4, pool_size=4)
    client, image = sb.client, sb.image
    print(f"image {image}; median of {n} runs each\n")

    cold = timed(lambda: sb.run(RunRequest(["true"], fresh=True)), n)
    bare_run = timed(lambda: client.containers.run(image, ["true"], remove=True), n)
    cli_run = timed(lambda: subprocess.run(["docker", "run", "--rm", image, "true"],
                                           check=True, capture_output=True), max(n // 2, 3))
    row("cold start (vs SDK docker run)", cold, bare_run)
    row("cold start (vs CLI docker run)", cold, cli_run)

    bare_box = client.containers.run(image, ["sleep", "3600"], detach=True, remove=True)
    try:
        warm = timed(lambda: sb.run(RunRequest(["true"])), n)
        bare_exec = timed(lambda: bare_box.exec_run(["true"]), n)
        cli_exec = timed(lambda: subprocess.run(["docker", "exec", bare_box.id, "true"],
                                                check=True, capture_output=True), n)
        row("warm-pool evaluation (vs SDK exec)", warm, bare_exec)
        row("warm-pool evaluation (vs CLI exec)", warm, cli_exec)
        files = {"main.py": "print('x' * 100)\n" * 50}
        warm_files = timed(lambda: sb.run(RunRequest(["python3", "main.py"], files=files)), n)
        bare_py = timed(lambda: bare_box.exec_run(["python3", "-c", "pass"]), n)
        row("warm, python3 with a file (vs exec python3)", warm_files, bare_py)
        print()
        boxes = [bare_box] + [client.containers.run(image, ["sleep", "3600"], detach=True,
                                                    remove=True) for _ in range(3)]
        jobs = 8 * n
        for workers in (1, 2, 4):
            with ThreadPoolExecutor(workers) as pool:
                t = time.perf_counter()
                list(pool.map(lambda _: sb.run(RunRequest(["true"])), range(jobs)))
                ours = jobs / (time.perf_counter() - t)
                t = time.perf_counter()
                list(pool.map(lambda i, w=workers: boxes[i % w].exec_run(["true"]), range(jobs)))
                bare = jobs / (time.perf_counter() - t)
            print(f"throughput, {workers} concurrent              ours {ours:6.1f}/s        "
                  f"bare {bare:6.1f}/s        ratio {bare / ours:5.2f}x (time)")
    finally:
        for b in locals().get("boxes", [bare_box]):
            try:
                b.remove(force=True)
            except Exception:  # noqa: BLE001
                pass
        sb.close()


if __name__ == "__main__":
    main()
