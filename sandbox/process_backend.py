"""The process backend: the same supervisor as a plain subprocess with rlimits and a
timeout, in a temporary work directory, with a scrubbed environment.

NOT A SECURITY BOUNDARY. The command runs as you, sees your files and your network. Use it
for trusted code on machines without Docker (development, CI without an engine); Docker is
the default for anything an LLM wrote."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from galapagos.errors import GPUUnavailable
from galapagos.sandbox.gpu import GPUAllocator, visible_gpus
from galapagos.sandbox.images import SUPERVISOR
from galapagos.sandbox.spec import RunRequest, RunResult

SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ")
GRADER_ENV = {"PYTHONNOUSERSITE": "1", "PYTHONSAFEPATH": "1"}  # as the Docker backend's


class ProcessSandbox:
    backend = "process"
    is_security_boundary = False

    def __init__(self, *, concurrency: int = 2, gpus: list[str] | None = None,
                 share_gpus: bool = False, allow_cpu_fallback: bool = False):
        self._slots = threading.BoundedSemaphore(concurrency)
        self.allow_cpu_fallback = allow_cpu_fallback
        self.gpus = GPUAllocator(visible_gpus() if gpus is None else gpus, share_gpus)

    def run(self, request: RunRequest) -> RunResult:
        with self._slots:
            try:
                gpu_ids = self.gpus.acquire(request.limits.gpus, timeout=3600)
            except GPUUnavailable:
                if not self.allow_cpu_fallback:
                    raise
                gpu_ids = []
            try:
                return self._run(request, gpu_ids)
            finally:
                self.gpus.release(gpu_ids)

    async def arun(self, request: RunRequest) -> RunResult:
        return await asyncio.to_thread(self.run, request)

    def close(self) -> None:
        pass

    def _run(self, request: RunRequest, gpu_ids: list[str]) -> RunResult:
        if request.companion is None:
            return self._one(request, gpu_ids)
        with tempfile.TemporaryDirectory(prefix="galapagos-ipc-") as ipc:
            box: dict[str, RunResult] = {}
            companion = replace(request.companion, env={**request.companion.env,
                                                        "GALAPAGOS_IPC": ipc},
                                mounts=[*request.mounts, *request.companion.mounts])
            side = threading.Thread(target=lambda: box.update(r=self._one(companion, [])))
            side.start()
            main = self._one(replace(request, env={**GRADER_ENV, **request.env,
                                                   "GALAPAGOS_IPC": ipc}), gpu_ids)
            side.join(request.limits.wall_s + 10)
            main.companion = box.get("r")
            return main

    def _one(self, request: RunRequest, gpu_ids: list[str]) -> RunResult:
        lim = request.limits
        with tempfile.TemporaryDirectory(prefix="galapagos-proc-") as work:
            for name, data in request.files.items():
                path = Path(work) / name.lstrip("/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data.encode() if isinstance(data, str) else data)
            argv = [_remap(a, request, work) for a in request.command]
            env = {k: os.environ[k] for k in SAFE_ENV if k in os.environ}
            env.update(HOME=work, TMPDIR=work, CUDA_VISIBLE_DEVICES=",".join(gpu_ids),
                       **request.env)
            mb = 1024 * 1024
            spec = {"procs": [{"argv": argv, "cwd": work, "env": env}], "timeout": lim.wall_s,
                    "caps": {"stdout": lim.output_bytes, "stderr": lim.output_bytes},
                    "rlimits": {"fsize": lim.fsize_mb * mb, "nofile": lim.nofile, "core": 0,
                                "as": max(lim.memory_mb, 64) * mb * 4},
                    "collect": request.output_dir}
            start = time.monotonic()
            try:
                proc = subprocess.run([sys.executable, "-S", "-I", str(SUPERVISOR),
                                       json.dumps(spec)], capture_output=True,
                                      timeout=lim.wall_s + 10)
            except subprocess.TimeoutExpired:
                return RunResult(137, timed_out=True, duration_s=time.monotonic() - start,
                                 error="killed by the host backstop")
            try:
                r = json.loads(proc.stdout.decode().strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                return RunResult(proc.returncode or -1, error="the supervisor did not report: "
                                 + proc.stderr.decode("utf-8", "replace")[-500:])
        memory_error = "MemoryError" in r["stderr"] or "Cannot allocate memory" in r["stderr"]
        return RunResult.from_report(r, lim, oom_killed=memory_error, gpus=gpu_ids,
                                     gpu_seconds=r["duration_s"] * len(gpu_ids))


def _remap(arg: str, request: RunRequest, work: str) -> str:
    """Mount targets have no meaning without Docker: point them at the host folder."""
    for m in request.mounts:
        if arg == m.target or arg.startswith(m.target.rstrip("/") + "/"):
            return m.source + arg[len(m.target):]
    if arg.startswith("/work/"):
        return os.path.join(work, arg[len("/work/"):])
    return arg
