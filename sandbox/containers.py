"""Low-level work on one hardened container: create it with its resident supervisor (the
main process) attached, build the jobs it runs (files go in as a tar inside the job, since
the archive API cannot write to a read-only root; outputs come back in its report; it resets
the container after each job), and read the cgroup's OOM-kill counter."""

from __future__ import annotations

import base64
import glob
import io
import tarfile
from typing import Any

from docker.types import DeviceRequest, LogConfig, Ulimit

from galapagos.sandbox.channel import Channel
from galapagos.sandbox.images import IDLE_UID, SANDBOX_UID
from galapagos.sandbox.reaper import LABEL, OWNER, owner_label
from galapagos.sandbox.spec import Limits, Mount, RunRequest

WORK = "/work"
USER = f"{SANDBOX_UID}:{SANDBOX_UID}"
GRADER = f"{IDLE_UID}:{IDLE_UID}"
MAX_LIFETIME_S = 6 * 3600   # an idle container ends itself even if every reaper missed it
SUPERVISOR = "/opt/galapagos/supervise.py"
COLLECT_BYTES = 16 << 20    # the output folder's files that come back, at most
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": WORK, "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}
# the grader party of a two-party run: no user site, no current folder on the path, in a
# folder of its own (HOME, TMPDIR, cwd) that the supervisor makes where only it can enter
GRADER_ENV = {**BASE_ENV, "PYTHONNOUSERSITE": "1", "PYTHONSAFEPATH": "1"}


def create(client: Any, image: str, limits: Limits, *, labels: dict[str, str],
           mounts: list[Mount] = (), gpu_ids: list[str] = ()) -> Any:
    mb = 1024 * 1024
    kwargs: dict[str, Any] = dict(
        image=image, command=["python3", "-S", "-I", SUPERVISOR, "--serve",
                              str(MAX_LIFETIME_S)],
        detach=True, init=True, stdin_open=True, log_config=LogConfig(type="none"),
        read_only=True, network_mode="bridge" if limits.network else "none",
        tmpfs={WORK: f"rw,exec,nosuid,nodev,size={limits.work_mb}m,uid={SANDBOX_UID},"
                     f"gid={SANDBOX_UID},mode=0700",
               "/tmp": f"rw,nosuid,nodev,size={limits.work_mb}m,mode=1777"},
        # the supervisor alone is root, and keeps only what it needs to run commands as
        # their uids and to end them; the commands themselves have no capability at all
        user="0:0", cap_drop=["ALL"], cap_add=["SETUID", "SETGID", "KILL"],
        security_opt=["no-new-privileges"],
        mem_limit=f"{limits.memory_mb}m", memswap_limit=f"{limits.memory_mb}m",
        nano_cpus=int(limits.cpus * 1e9), pids_limit=limits.pids, ipc_mode="private",
        ulimits=[Ulimit(name="fsize", soft=limits.fsize_mb * mb, hard=limits.fsize_mb * mb),
                 Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
                 Ulimit(name="core", soft=0, hard=0)],
        labels={LABEL: "1", OWNER: owner_label(), **labels}, environment={},
        working_dir=WORK, hostname="sandbox", auto_remove=True,
        volumes={m.source: {"bind": m.target, "mode": "ro"} for m in mounts})
    if gpu_ids:
        kwargs["device_requests"] = [DeviceRequest(device_ids=list(gpu_ids),
                                                   capabilities=[["gpu"]])]
    container = client.containers.run(**kwargs)
    container.channel = Channel(client, container)
    return container


def tar_files(files: dict[str, bytes | str]) -> bytes:
    if not files:
        return b""  # nothing to unpack: the supervisor then skips importing tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode = len(raw), 0o644
            tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def job(request: RunRequest, limits: Limits, *, reuse: bool = True) -> dict[str, Any]:
    """A job for the resident supervisor. One party: the command as the sandbox user in
    the work dir. Two parties: the command as the grader uid in a private folder under /tmp
    (nothing the companion writes is on its start-up path), and the companion (which gets
    the files) as the sandbox user in the work dir. ``reuse`` false: the container is
    thrown away after the job, so the supervisor skips the reset."""
    cmd = {"argv": request.command, "uid": SANDBOX_UID, "cwd": WORK,
           "env": {**BASE_ENV, **request.env}}
    side = request.companion
    if side is not None:
        cmd.update(uid=IDLE_UID, private="/tmp", env={**GRADER_ENV, **request.env})
        procs = [cmd, {"argv": side.command, "uid": SANDBOX_UID, "cwd": WORK,
                       "env": {**BASE_ENV, **side.env}}]
    else:
        procs = [cmd]
    files = side.files if side is not None else request.files
    tar = tar_files(files)
    return {"procs": procs, "timeout": limits.wall_s,
            "caps": {"stdout": limits.output_bytes, "stderr": limits.output_bytes},
            "tar": base64.b64encode(tar).decode() if tar else "",
            "collect": (side or request).output_dir, "collect_bytes": COLLECT_BYTES,
            "reset": reuse}


def report_bytes(limits: Limits) -> int:
    """The most a report can weigh (outputs of two parties and files, as JSON): the host
    reads no more than this from a channel."""
    return 4 * (4 * limits.output_bytes + COLLECT_BYTES) + (1 << 20)


_cgroup_files: dict[str, list[str]] = {}


def oom_kills(container_id: str) -> int | None:
    """The container cgroup's OOM-kill counter (cgroup v1 or v2), or None if unreadable."""
    paths = _cgroup_files.get(container_id)
    if paths is None:
        paths = glob.glob(f"/sys/fs/cgroup/memory/docker/{container_id}/memory.oom_control") + \
            glob.glob(f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.events") \
            + glob.glob(f"/sys/fs/cgroup/docker/{container_id}/memory.events")
        if len(_cgroup_files) > 1000:
            _cgroup_files.clear()
        _cgroup_files[container_id] = paths
    for path in paths:
        try:
            for line in open(path).read().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except OSError:
            continue
    return None


def is_running(container: Any) -> bool:
    try:
        container.reload()
        return container.status == "running"
    except Exception:  # noqa: BLE001 - gone
        return False


def remove(container: Any) -> None:
    if getattr(container, "channel", None) is not None:
        container.channel.close()
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone (auto_remove)
        pass
