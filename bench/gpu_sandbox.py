"""GPU hand-out through the sandbox, on a machine with NVIDIA GPUs.

Runs a small PyTorch training loop inside sandboxed runs that each ask for one GPU:
checks that every run sees exactly the GPU it was given (CUDA_VISIBLE_DEVICES), that two
runs never share one (with one GPU, the second waits for the first), and prints the
GPU-seconds recorded for each. Uses the process backend unless --backend docker.

    python bench/gpu_sandbox.py [--backend process|docker] [--runs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.sandbox import Limits, RunRequest, make_sandbox  # noqa: E402
from galapagos.sandbox.gpu import visible_gpus  # noqa: E402

TRAIN = """
import os, time, torch
assert torch.cuda.is_available(), 'no CUDA in the sandbox'
torch.manual_seed(0)
x = torch.randn(4096, 256, device='cuda'); w_true = torch.randn(256, 1, device='cuda')
y = x @ w_true
w = torch.zeros(256, 1, device='cuda', requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
t = time.time()
for step in range(300):
    opt.zero_grad(); loss = ((x @ w - y) ** 2).mean(); loss.backward(); opt.step()
torch.cuda.synchronize(); time.sleep(1.0)
print(os.environ.get('CUDA_VISIBLE_DEVICES'), torch.cuda.device_count(),
      torch.cuda.get_device_name(0), f'{loss.item():.2e}', f'{time.time() - t:.2f}')
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="process")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    gpus = visible_gpus()
    print(f"GPUs visible to nvidia-smi: {gpus}")
    sb = make_sandbox(args.backend, concurrency=args.runs)
    req = RunRequest([sys.executable if args.backend == "process" else "python3", "-c", TRAIN],
                     limits=Limits(wall_s=120, memory_mb=16384, gpus=1))
    start = time.monotonic()
    with ThreadPoolExecutor(args.runs) as pool:
        results = list(pool.map(lambda _: sb.run(req), range(args.runs)))
    total = time.monotonic() - start
    for i, r in enumerate(results):
        print(f"run {i}: exit {r.exit_code} gpus {r.gpus} gpu_seconds {r.gpu_seconds:.2f} "
              f"duration {r.duration_s:.2f}s out: {r.stdout.strip()} {r.stderr.strip()[-300:]}")
    summed = sum(r.duration_s for r in results)
    same = len({tuple(r.gpus) for r in results}) < len(results)
    verdict = ("one at a time on the same GPU (exclusive hand-out)" if same and total >= 0.95 *
               summed else "overlapping" if same else "in parallel on different GPUs")
    print(f"wall for {args.runs} runs: {total:.2f}s, sum of run times {summed:.2f}s: {verdict}")
    sb.close()


if __name__ == "__main__":
    main()
