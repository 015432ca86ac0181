"""The Docker backend: hardened containers, a warm pool, GPUs handed out exclusively,
wall-clock limits enforced inside (the supervisor) and from the host (a backstop that
kills the container), and a reaper for leftovers.

Hardening, on by default: no network (loopback only), read-only root with tmpfs work dir
and /tmp, no-new-privileges, commands as non-root uids with no capabilities (the resident
supervisor alone is root, keeping only SETUID, SETGID and KILL), pids limit, memory
limit equal to memory+swap, CPU limit, fsize/nofile/core ulimits, an init that reaps
zombies, Docker's default seccomp profile, and no environment but what the task passes
(secrets are refused).

Each evaluation is one job sent to the container's resident supervisor over its attach
stream (see supervise.py and channel.py): its report cannot be forged from inside, and the
container is reset (processes, every writable mount, IPC objects) before it is reused."""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from dataclasses import replace
from typing import Any

from galapagos.errors import GPUUnavailable, SandboxError
from galapagos.sandbox import containers
from galapagos.sandbox.channel import ChannelTimeout
from galapagos.sandbox.gpu import GPUAllocator, visible_gpus
from galapagos.sandbox.images import RECIPES, ensure_base
from galapagos.sandbox.pool import WarmPool
from galapagos.sandbox.reaper import owner_label, reap
from galapagos.sandbox.spec import Limits, RunRequest, RunResult

HOST_GRACE_S = 10.0


def docker_client() -> Any:
    try:
        import docker

        client = docker.from_env()
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable daemon
        raise SandboxError(
            f"Cannot reach a Docker engine ({exc}). Start one (on Debian as root: `apt-get "
            "install docker.io debootstrap` then `dockerd &`; from a clone, `bash "
            "scripts/setup.sh --docker` does both), or set the task's "
            "sandbox backend to 'process' on a trusted machine (no security boundary). "
            "`galapagos sandbox doctor` checks the setup.") from exc


class DockerSandbox:
    backend = "docker"
    is_security_boundary = True

    def __init__(self, image: str | None = None, *, concurrency: int = 2, pool_size: int = 4,
                 gpus: list[str] | None = None, share_gpus: bool = False,
                 allow_cpu_fallback: bool = False, fresh: bool = False,
                 labels: dict[str, str] | None = None, client: Any = None):
        self.client = client or docker_client()
        reap(self.client)  # orphans of orchestrators that died (kill -9) go first
        image = image or "base"  # a recipe's name, or an image tag
        self.image = ensure_base(self.client, RECIPES[image]) if image in RECIPES else image
        self.allow_cpu_fallback, self.always_fresh = allow_cpu_fallback, fresh
        self.labels = dict(labels or {})  # on every container (e.g. the run's id)
        self.gpus = GPUAllocator(visible_gpus() if gpus is None else gpus, share_gpus)
        self.pool = WarmPool(self._create_for_key, max_idle=pool_size)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._closed = False
        atexit.register(self.close)

    # public ---------------------------------------------------------------
    def run(self, request: RunRequest) -> RunResult:
        with self._slots:
            limits, gpu_ids = self._claim_gpus(request.limits)
            try:
                return self._run(request, limits, gpu_ids)
            finally:
                self.gpus.release(gpu_ids)

    async def arun(self, request: RunRequest) -> RunResult:
        return await asyncio.to_thread(self.run, request)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.pool.drain()
        reap(self.client, only_owner=owner_label())

    # internals ------------------------------------------------------------
    def _claim_gpus(self, limits: Limits) -> tuple[Limits, list[str]]:
        if limits.gpus <= 0:
            return limits, []
        try:
            return limits, self.gpus.acquire(limits.gpus, timeout=3600)
        except GPUUnavailable:
            if self.allow_cpu_fallback:
                return replace(limits, gpus=0), []
            raise

    def _pool_key(self, limits: Limits) -> Any:
        return (self.image, replace(limits, wall_s=0, output_bytes=0))

    def _create_for_key(self, key: Any) -> Any:
        image, limits = key
        return containers.create(self.client, image, limits,
                                 labels={**self.labels, "galapagos.evaluation": "warm-pool"})

    def _run(self, request: RunRequest, limits: Limits, gpu_ids: list[str]) -> RunResult:
        fresh = (self.always_fresh or request.fresh or bool(request.mounts) or bool(gpu_ids)
                 or request.companion is not None)
        key = self._pool_key(limits)
        if fresh:
            container = containers.create(self.client, self.image, limits,
                                          labels={**self.labels, **request.labels},
                                          mounts=request.mounts, gpu_ids=gpu_ids)
        else:
            container = self.pool.acquire(key)
            if not _alive(self.client, container):  # ended (lifetime) or removed by hand
                containers.remove(container)
                container = self.pool.acquire(key, check=True)
        healthy = False
        try:
            result = self._job(container, request, limits, reuse=not fresh)
            result.gpus, result.gpu_seconds = gpu_ids, result.duration_s * len(gpu_ids)
            healthy = result.error is None and result.reset
            return result
        finally:
            if fresh:
                containers.remove(container)
            else:
                self.pool.release(key, container, healthy)

    def _job(self, container: Any, request: RunRequest, limits: Limits, *,
             reuse: bool) -> RunResult:
        if request.companion is not None:
            if request.files:
                raise SandboxError("In a two-party run the files go to the companion (the "
                                   "grader's own files come from its read-only mounts).")
            ipc = {"GALAPAGOS_IPC": "/tmp/galapagos-ipc"}
            request = replace(request, env={**request.env, **ipc}, companion=replace(
                request.companion, env={**request.companion.env, **ipc}))
        before = containers.oom_kills(container.id)
        start = time.monotonic()
        try:
            report = container.channel.call(containers.job(request, limits, reuse=reuse),
                                             limits.wall_s + HOST_GRACE_S,
                                             containers.report_bytes(limits))
        except ChannelTimeout:  # the in-sandbox clock failed: the host backstop ends it all
            containers.remove(container)
            return RunResult(exit_code=137, timed_out=True, duration_s=time.monotonic() - start,
                             error="killed by the host backstop (the sandbox supervisor did "
                                   "not report in time)")
        except SandboxError as exc:
            return RunResult(exit_code=-1, duration_s=time.monotonic() - start, error=str(exc))
        return _result(report, limits, before, containers.oom_kills(container.id))


def _result(report: dict[str, Any], limits: Limits, before: int | None,
            after: int | None) -> RunResult:
    if "error" in report:
        return RunResult(exit_code=-1, error=report["error"])
    result = RunResult.from_report(report, limits, reset=bool(report.get("reset")))
    others = [RunResult.from_report(r, limits) for r in report.get("others", [])]
    result.companion = others[0] if others else None
    oom = None if before is None or after is None else after > before
    for r in [result, *others]:  # unreadable counter: a SIGKILL the clock did not send
        r.oom_killed = oom if oom is not None else (r.exit_code == 137 and not r.timed_out)
    return result


def _alive(client: Any, container: Any) -> bool:
    """Cheap liveness check from the cgroup file we read anyway (no API round trip)."""
    if containers.oom_kills(container.id) is not None:
        return True
    return containers.is_running(container)
