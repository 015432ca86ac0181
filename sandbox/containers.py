"""Low-level work on one hardened container: create it, run one evaluation as one exec of
the supervisor (files go in as a tar on its stdin, since the archive API cannot write to a
read-only root; outputs come back in its report; it cleans up after the previous use
first), and read the cgroup's OOM-kill counter."""

from __future__ import annotations

import glob
import io
import json
import socket
import tarfile
from typing import Any

from docker.types import DeviceRequest, Ulimit
from docker.utils.socket import frames_iter

from galapagos.sandbox.images import IDLE_UID, SANDBOX_UID
from galapagos.sandbox.reaper import LABEL, OWNER, owner_label
from galapagos.sandbox.spec import Limits, Mount

WORK = "/work"
USER = f"{SANDBOX_UID}:{SANDBOX_UID}"
GRADER = f"{IDLE_UID}:{IDLE_UID}"
MAX_LIFETIME_S = 6 * 3600   # an idle container ends itself even if every reaper missed it
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": WORK, "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}


def create(client: Any, image: str, limits: Limits, *, labels: dict[str, str],
           mounts: list[Mount] = (), gpu_ids: list[str] = ()) -> Any:
    mb = 1024 * 1024
    kwargs: dict[str, Any] = dict(
        image=image, command=["sleep", str(MAX_LIFETIME_S)], detach=True, init=True,
        read_only=True, network_mode="bridge" if limits.network else "none",
        tmpfs={WORK: f"rw,exec,nosuid,nodev,size={limits.work_mb}m,uid={SANDBOX_UID},"
                     f"gid={SANDBOX_UID},mode=0700",
               "/tmp": f"rw,nosuid,nodev,size={limits.work_mb}m,mode=1777"},
        user=f"{IDLE_UID}:{IDLE_UID}", cap_drop=["ALL"], security_opt=["no-new-privileges"],
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
    return client.containers.run(**kwargs)


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


def supervisor_command(argv: list[str], env: dict[str, str], limits: Limits,
                       output_dir: str, grader: bool = False) -> list[str]:
    spec: dict[str, Any] = {
        "argv": argv, "cwd": WORK, "env": {**BASE_ENV, **env}, "timeout": limits.wall_s,
        "caps": {"stdout": limits.output_bytes, "stderr": limits.output_bytes},
        "kill_all": True, "clean": [WORK, "/tmp"], "stdin_tar": True, "collect": output_dir}
    if grader:  # runs beside a live companion: touch nothing but its own process group
        spec.update(cwd="/tmp", env={**BASE_ENV, "HOME": "/tmp", **env}, kill_all=False,
                    clean=None, stdin_tar=False, collect=None)
    return ["python3", "-S", "-I", "/opt/galapagos/supervise.py", json.dumps(spec)]


def exec_with_stdin(client: Any, container: Any, cmd: list[str], data: bytes,
                    user: str = USER) -> tuple[bytes, bytes, str]:
    """One ``docker exec`` whose stdin gets ``data``; returns stdout, stderr and the exec
    id (its exit code is asked for only when the supervisor did not report one)."""
    ex = client.api.exec_create(container.id, cmd, stdin=True, user=user,
                                workdir=WORK if user == USER else "/tmp")
    sock = client.api.exec_start(ex["Id"], socket=True)
    raw = getattr(sock, "_sock", sock)
    out, err = bytearray(), bytearray()
    try:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
        for stream, chunk in frames_iter(sock, tty=False):
            (out if stream == 1 else err).extend(chunk)
    finally:
        sock.close()
    return bytes(out), bytes(err), ex["Id"]


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
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone (auto_remove)
        pass
