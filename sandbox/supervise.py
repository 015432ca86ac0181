"""The in-sandbox supervisor: runs one command and reports what happened as one JSON line.

Standard library only, and lean (fork/exec and poll, no threads, lazy imports): it starts
once per evaluation, so its start-up is part of every evaluation's cost. It is baked into
the base image (read-only) and also used by the process backend. It enforces the wall-clock
limit from inside, so the command really dies (its process group, and with ``kill_all``
every process of the sandbox user), caps stdout/stderr while draining them (a flood cannot
fill memory), applies rlimits, and measures the peak resident memory of the command.

    python3 -S -I supervise.py '{"argv": [...], "cwd": "/work", "timeout": 5, ...}'

One invocation is a whole evaluation (one ``docker exec``): with ``clean`` it first kills
what an earlier use left and empties the work dirs, with ``stdin_tar`` it unpacks the files
from stdin, and with ``collect`` it returns the output folder's files (base64).
"""

import json
import os
import resource
import select
import signal
import sys
import time

RLIMITS = {"fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
           "as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "core": resource.RLIMIT_CORE}


def clean(paths):
    """Reset for the next use: kill every process of this user, empty the work dirs."""
    kill(-1)
    for root in paths:
        for name in os.listdir(root):
            path = os.path.join(root, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    import shutil
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except OSError:
                pass


def unpack(cwd):
    data = sys.stdin.buffer.read()
    if not data:
        return
    import io
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            if m.isfile() or m.isdir():
                tar.extract(m, cwd, set_attrs=False)


def collect(cwd, subdir, max_bytes):
    root = os.path.realpath(os.path.join(cwd, subdir))
    if not root.startswith(os.path.realpath(cwd)) or not os.path.isdir(root):
        return {}
    import base64
    files, total = {}, 0
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            size = os.path.getsize(path)
            if total + size <= max_bytes:
                with open(path, "rb") as f:
                    files[os.path.relpath(path, root)] = base64.b64encode(f.read()).decode()
                total += size
    return files


def kill(target):
    try:
        os.kill(target, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def spawn(spec, out_w, err_w):
    if not spec.get("rlimits"):  # the cheap path (Docker sets limits per container)
        try:
            os.chdir(spec.get("cwd") or ".")
            return os.posix_spawnp(spec["argv"][0], spec["argv"], spec.get("env", {}),
                                   file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull,
                                                  os.O_RDONLY, 0),
                                                 (os.POSIX_SPAWN_DUP2, out_w, 1),
                                                 (os.POSIX_SPAWN_DUP2, err_w, 2)],
                                   setsid=True)
        except OSError as exc:
            os.write(err_w, f"cannot start {spec['argv'][0]!r}: {exc}\n".encode())
            return None
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: own session, limits, pipes, then the command
        os.setsid()
        for name, value in spec.get("rlimits", {}).items():
            resource.setrlimit(RLIMITS[name], (value, value))
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.chdir(spec.get("cwd") or ".")
        argv = spec["argv"]
        os.execvpe(argv[0], argv, spec.get("env", {}))
    except BaseException as exc:  # noqa: BLE001 - report and leave, never return
        os.write(2, f"cannot start {spec['argv'][0]!r}: {exc}\n".encode())
    os._exit(127)


class Deadline(Exception):
    pass


def _alarm(signum, frame):
    raise Deadline()


def wait_until(pid, seconds):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        return os.waitpid(pid, 0)[1]
    except Deadline:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def supervise(spec):
    caps = spec.get("caps", {})
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    start = time.monotonic()
    pid = spawn(spec, out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    if pid is None:
        err = os.read(err_r, 65536).decode("utf-8", "replace")
        return {"exit_code": 127, "signal": None, "stdout": "", "stderr": err,
                "stdout_total": 0, "stderr_total": len(err), "timed_out": False,
                "duration_s": time.monotonic() - start, "peak_rss_kb": 0}
    deadline = start + spec["timeout"]
    fds = {out_r: "stdout", err_r: "stderr"}
    kept = {"stdout": [], "stderr": []}
    total = {"stdout": 0, "stderr": 0}
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN | select.POLLHUP)
    status = None

    def pump(wait_ms):
        for fd, _ in poller.poll(wait_ms):
            chunk = os.read(fd, 65536)
            name = fds[fd]
            if not chunk:
                poller.unregister(fd)
                del fds[fd]
                continue
            cap = caps.get(name, 65536)
            if total[name] < cap:
                kept[name].append(chunk[: cap - total[name]])
            total[name] += len(chunk)

    while status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if fds:
            pump(int(min(left, 0.05) * 1000) + 1)
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        else:  # output closed: block in waitpid, an alarm ends the wait at the deadline
            status = wait_until(pid, left)
    duration = time.monotonic() - start
    timed_out = status is None
    # the command is done (or out of time): nothing it started may outlive it
    if spec.get("kill_all"):
        kill(-1)
    kill(-pid)
    if status is None:
        status = os.waitpid(pid, 0)[1]
    while fds:
        pump(20)
    code = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": 128 - code if code < 0 else code, "signal": -code if code < 0 else None,
        "stdout": b"".join(kept["stdout"]).decode("utf-8", "replace"),
        "stderr": b"".join(kept["stderr"]).decode("utf-8", "replace"),
        "stdout_total": total["stdout"], "stderr_total": total["stderr"],
        "timed_out": timed_out, "duration_s": duration,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


def main():
    spec = json.loads(sys.argv[1])
    if spec.get("clean"):
        clean(spec["clean"])
    if spec.get("stdin_tar"):
        unpack(spec["cwd"])
    result = supervise(spec)
    if spec.get("collect"):
        result["files"] = collect(spec["cwd"], spec["collect"], spec.get("collect_bytes", 16 << 20))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
