"""Running untrusted code. Imports nothing of ours but ``galapagos.errors``.

    from galapagos.sandbox import RunRequest, Limits, make_sandbox
    sb = make_sandbox("docker")
    result = sb.run(RunRequest(["python3", "main.py"], files={"main.py": code},
                               limits=Limits(wall_s=5, memory_mb=256)))

Backends: ``docker`` (hardened containers; the default and the only security boundary) and
``process`` (a subprocess with rlimits, for trusted code on machines without Docker).
"""

from __future__ import annotations

from typing import Any

from galapagos.errors import SandboxError
from galapagos.sandbox.base import Sandbox
from galapagos.sandbox.spec import Limits, Mount, RunRequest, RunResult

__all__ = ["Limits", "Mount", "RunRequest", "RunResult", "Sandbox", "make_sandbox"]


def make_sandbox(backend: str = "docker", **options: Any) -> Sandbox:
    if backend == "docker":
        from galapagos.sandbox.docker_backend import DockerSandbox

        return DockerSandbox(**options)
    if backend == "process":
        from galapagos.sandbox.process_backend import ProcessSandbox

        for docker_only in ("pool_size", "image", "fresh", "labels"):
            options.pop(docker_only, None)
        return ProcessSandbox(**options)
    raise SandboxError(f"Unknown sandbox backend '{backend}': use 'docker' (the default, a "
                       "security boundary) or 'process' (trusted code only).")
