"""Resetting a warm container between jobs, for the resident supervisor (supervise.py):
end every process of a uid, and remove what that uid left in any writable place (found
from the mount table, not a list of paths) or as a SysV IPC object. Standard library only;
baked into the sandbox image beside supervise.py."""

import os
import signal
import time

RESET_FSTYPES = ("tmpfs", "mqueue")


def kill_all():
    """SIGKILL every process the caller may signal but init and the caller: as one user,
    that user's; as root (the supervisor), every process in the container. The kernel sends it
    under the task-list lock and a fork with a fatal signal pending fails, so nothing can
    escape by forking; ``survivors`` checks (kill(-1) reports success even when it could
    signal nothing, so its return value says nothing)."""
    for _ in range(2):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return b""


def survivors(uids):
    """Live processes (not zombies) that run as one of ``uids``, as root sees them."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            status = dict(ln.split(":", 1) for ln in open(f"/proc/{pid}/status"))
        except (OSError, ValueError):
            continue
        ids = {int(x) for x in status.get("Uid", "").split()}
        if ids & set(uids) and status.get("State", "").split()[0] not in ("Z", "X"):
            found.append(int(pid))
    return found


def writable_mounts():
    """Every read-write tmpfs or mqueue mount: what a process can leave files in."""
    found = []
    for line in open("/proc/self/mountinfo"):
        head, _, tail = line.partition(" - ")
        fields, fstype = head.split(), tail.split()[0]
        if fstype in RESET_FSTYPES and "rw" in fields[5].split(","):
            found.append(fields[4].replace("\\040", " "))
    return found


class TooSlow(Exception):
    """The reset ran past its time: the host throws the container away instead."""


def empty(path, uid, deadline=float("inf")):
    """Remove what ``uid`` owns under ``path`` (walking only where it could have written)."""
    if time.monotonic() > deadline:
        raise TooSlow(path)
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        p = os.path.join(path, name)
        try:
            st = os.lstat(p)
            if os.path.isdir(p) and not os.path.islink(p):
                if st.st_uid == uid:
                    os.chmod(p, 0o700)
                empty(p, uid, deadline)
                if st.st_uid == uid:
                    os.rmdir(p)
            elif st.st_uid == uid:
                os.unlink(p)
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TooSlow(path)


def remove_ipc(uid):
    """SysV shared memory, message queues and semaphores that ``uid`` owns or made."""
    import ctypes  # imported once by ``serve``: the forked child finds it loaded
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, rm in (("shm", lambda i: libc.shmctl(i, 0, None)),
                     ("msg", lambda i: libc.msgctl(i, 0, None)),
                     ("sem", lambda i: libc.semctl(i, 0, 0))):
        rows = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
        cols = open(f"/proc/sysvipc/{kind}").readline().split()
        for row in rows:
            v = dict(zip(cols, row.split(), strict=False))
            if uid in (int(v["uid"]), int(v["cuid"])):
                rm(int(v[cols[1]]))


def reset(uid, mounts, seconds=float("inf")):
    deadline = time.monotonic() + seconds
    for m in mounts:
        empty(m, uid, deadline)
    remove_ipc(uid)
    return b""
