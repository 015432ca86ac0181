"""``galapagos sandbox doctor``: is the sandbox usable here, and if not, what to do."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def diagnose(client: Any = None) -> list[Check]:
    from galapagos.sandbox.gpu import visible_gpus
    from galapagos.sandbox.images import BaseRecipe, image_exists

    checks: list[Check] = []
    try:
        if client is None:
            import docker

            client = docker.from_env()
        version = client.version().get("Version", "?")
        checks.append(Check("Docker engine", True, f"reachable, version {version}"))
    except Exception as exc:  # noqa: BLE001 - what failed is the detail
        checks.append(Check("Docker engine", False, f"not reachable: {exc}",
                            "On Debian as root: apt-get install docker.io debootstrap, "
                            "then start dockerd (from a clone: bash scripts/setup.sh "
                            "--docker). Elsewhere: install Docker Engine and start it."))
        client = None
    if client is not None:
        info = client.info()
        sec = ", ".join(info.get("SecurityOptions", [])) or "none"
        checks.append(Check("seccomp", "seccomp" in sec, f"security options: {sec}",
                            "Use a Docker engine built with seccomp."))
        checks.append(Check("cgroups", True, f"v{info.get('CgroupVersion', '?')}, driver "
                            f"{info.get('CgroupDriver', '?')} (memory, pids and CPU limits)"))
        tag = BaseRecipe().tag()
        present = image_exists(client, tag)
        checks.append(Check("base image", present, tag + (" present" if present else " missing"),
                            "galapagos sandbox build (needs debootstrap; about a minute)"))
    checks.append(Check("debootstrap", bool(shutil.which("debootstrap")),
                        shutil.which("debootstrap") or "not installed",
                        "apt-get install debootstrap (only needed to build the base image)"))
    gpus = visible_gpus()
    runtimes = ", ".join((client.info().get("Runtimes") or {}).keys()) if client else "-"
    checks.append(Check("GPUs", bool(gpus), f"{len(gpus)} visible to nvidia-smi"
                        + (f"; Docker runtimes: {runtimes}" if client else ""),
                        "No GPU here: GPU tasks fail with a clear message, or run on the CPU "
                        "where the task sets allow_cpu_fallback. On a GPU machine install the "
                        "NVIDIA driver and the NVIDIA Container Toolkit."))
    checks.append(Check("process backend", True, "available — NOT a security boundary: it runs "
                        "candidate code as you, with your files and network"))
    return checks
