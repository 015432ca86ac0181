"""The in-sandbox supervisor: runs a job's commands and reports what happened as one JSON line.

Standard library only. Two modes:

- ``supervise.py --serve LIFETIME_S`` (Docker): the container's main process, resident, as root with
  only the SETUID, SETGID and KILL capabilities. It reads jobs from its stdin and writes
  reports to its stdout, the container's attach stream, which no process in the container
  can reach. Every command runs under a job-given uid (the sandbox user, or the grader of
  a two-party run) with no capabilities, so nothing it runs can write the report, signal
  this process or read its descriptors: every field of a report is the supervisor's own.
  After each job it kills every process but init and itself, returns the output folder, and
  resets the container: it empties every writable mount (work dir, /tmp, /dev/shm,
  /dev/mqueue, found in the mount table, not from a list) and removes SysV IPC objects.
- ``supervise.py '{"procs": [...], ...}'`` (process backend): one job, as the caller's own
  user. No isolation: the command could forge this report (documented as no boundary).

A job: ``{"procs": [{"argv", "uid", "cwd", "env", "private"}, ...], "timeout", "caps",
"tar", "collect", "collect_bytes", "rlimits", "reset"}``. ``procs[0]`` is the main command,
the others (a two-party run's companion) run beside it; the job ends when all have exited or
at the deadline, and then every process they started is killed. A command with ``private``
(a folder, e.g. /tmp) gets a new folder there that only its uid can enter, as its HOME,
TMPDIR and cwd: nothing another party writes is where its start-up looks. ``reset`` false:
the container is thrown away after the job, so nothing is cleaned.

Whatever a job leaves, the work after it is bounded in time (``AFTER_S`` for collecting,
as much for the reset): a reset that cannot finish in time reports false, and the host
throws the container away instead of waiting.
"""

import base64
import json
import os
import resource
import select
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves it out
from reset import kill_all, reset, survivors, writable_mounts  # noqa: E402

RLIMITS = {"fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
           "as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "core": resource.RLIMIT_CORE}
ROOT = os.getuid() == 0
SERVING = [False]  # serve mode: every command runs as a sandbox uid of its own
AFTER_S = 3.0      # collecting the outputs, and the reset, each stop after this long


# running as another user ----------------------------------------------------------
def become(uid):
    if ROOT and uid is not None and uid != os.getuid():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def fork(seconds=AFTER_S):
    """``os.fork``, waiting out a full pids limit for a while: the processes a job left
    are killed first, and their slots come free once init has reaped them."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return os.fork()
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def as_user(uid, fn, *args):
    """Run ``fn`` in a child as ``uid``; return what it writes to its pipe (bytes)."""
    r, w = os.pipe()
    pid = fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            become(uid)
            os.write(w, fn(*args) or b"")
        except BaseException:  # noqa: BLE001 - the parent sees the exit code
            code = 1
        os._exit(code)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks), os.waitstatus_to_exitcode(status) == 0


# files in and out -----------------------------------------------------------------
def unpack(data, cwd):
    import io
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            safe = not (m.name.startswith("/") or ".." in m.name.split("/"))
            if safe and (m.isfile() or m.isdir()):
                tar.extract(m, cwd, set_attrs=False)


def collect(cwd, subdir, max_bytes, max_files=1000, seconds=AFTER_S):
    """The output folder's regular files (base64), within a size, a count and a time: a
    folder of millions of names costs a bounded walk, not one open per name."""
    root = os.path.realpath(os.path.join(cwd, subdir))
    files, total, seen = {}, 0, 0
    deadline = time.monotonic() + seconds
    if not root.startswith(os.path.realpath(cwd)) or not os.path.isdir(root):
        return json.dumps(files).encode()
    for folder, _, names in os.walk(root):
        for name in names:
            seen += 1
            if len(files) >= max_files or seen > 20 * max_files or \
                    time.monotonic() > deadline:
                return json.dumps(files).encode()
            path = os.path.join(folder, name)
            try:
                os.path.relpath(path, root).encode("utf-8")
            except UnicodeEncodeError:  # a name that is not UTF-8 cannot cross as text
                continue
            try:  # no links, no FIFOs or devices (a FIFO would block a plain open)
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(fd)
                if not (st.st_mode & 0o170000 == 0o100000) or total + st.st_size > max_bytes:
                    continue
                files[os.path.relpath(path, root)] = base64.b64encode(f.read()).decode()
                total += st.st_size
    return json.dumps(files).encode()


# running a job --------------------------------------------------------------------
def spawn(proc, rlimits, out_w, err_w):
    pid = fork()
    if pid:
        return pid
    try:  # the child: own session, its user, limits, pipes, then the command
        os.setsid()
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")  # the OOM killer takes the command, never the supervisor
        except OSError:
            pass
        become(proc.get("uid"))
        for name, value in (rlimits or {}).items():
            resource.setrlimit(RLIMITS[name], (value, value))
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.closerange(3, 65536)
        os.chdir(proc.get("cwd") or ".")
        os.execvpe(proc["argv"][0], proc["argv"], proc.get("env", {}))
    except BaseException as exc:  # noqa: BLE001 - report and leave, never return
        os.write(2, f"cannot start {proc['argv'][0]!r}: {exc}\n".encode())
    os._exit(127)


class Proc:
    def __init__(self, spec, job):
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.start = time.monotonic()
        self.pid = spawn(spec, job.get("rlimits"), out_w, err_w)
        os.close(out_w)
        os.close(err_w)
        self.fds = {out_r: "stdout", err_r: "stderr"}
        try:  # readable when the command exits: the pump wakes at once, never a poll slice late
            self.pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.kept = {"stdout": [], "stderr": []}
        self.total = {"stdout": 0, "stderr": 0}
        self.status, self.rusage, self.end, self.timed_out = None, None, None, False

    def poll(self):
        if self.status is None:
            pid, status, ru = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.status, self.rusage, self.end = status, ru, time.monotonic()
        return self.status is not None

    def report(self):
        code = os.waitstatus_to_exitcode(self.status)
        return {"exit_code": 128 - code if code < 0 else code,
                "signal": -code if code < 0 else None,
                "stdout": b"".join(self.kept["stdout"]).decode("utf-8", "replace"),
                "stderr": b"".join(self.kept["stderr"]).decode("utf-8", "replace"),
                "stdout_total": self.total["stdout"], "stderr_total": self.total["stderr"],
                "timed_out": self.timed_out, "duration_s": self.end - self.start,
                "peak_rss_kb": self.rusage.ru_maxrss if self.rusage else 0}


def pump(procs, caps, wait_ms):
    poller, owner = select.poll(), {}
    for p in procs:
        for fd in p.fds:
            poller.register(fd, select.POLLIN | select.POLLHUP)
            owner[fd] = p
    for p in procs:
        if p.pidfd is not None and p.status is None:
            poller.register(p.pidfd, select.POLLIN)
    for fd, _ in poller.poll(wait_ms):
        if fd not in owner:
            continue  # a command exited
        p, chunk = owner[fd], os.read(fd, 65536)
        name = p.fds.get(fd)
        if not chunk:
            os.close(fd)
            del p.fds[fd]
            continue
        cap = caps.get(name, 65536)
        if p.total[name] < cap:
            p.kept[name].append(chunk[: cap - p.total[name]])
        p.total[name] += len(chunk)


def make_private(parent):
    path = os.path.join(parent, "galapagos-" + os.urandom(12).hex())
    os.mkdir(path, 0o700)  # fails if it exists: never a folder someone else made
    return path.encode()


def give_private(spec):
    """A folder of the command's own (its uid alone may enter) as HOME, TMPDIR and cwd."""
    if not spec.get("private"):
        return spec
    data, ok = as_user(spec.get("uid"), make_private, spec["private"])
    if not ok:
        raise OSError(f"cannot make a private folder under {spec['private']}")
    home = data.decode()
    return {**spec, "cwd": home, "env": {**spec.get("env", {}), "HOME": home, "TMPDIR": home}}


def run_job(job):
    uids = sorted({p.get("uid") for p in job["procs"]}, key=str)
    work = job["procs"][-1]  # the files and the outputs are the last command's (the candidate)
    specs = [give_private(spec) for spec in job["procs"]]  # before the candidate's files land
    if job.get("tar"):
        as_user(work.get("uid"), unpack, base64.b64decode(job["tar"]), work["cwd"])
    procs = [Proc(spec, job) for spec in specs]
    main, caps = procs[0], job.get("caps", {})
    deadline = main.start + job["timeout"]
    while not all(p.poll() for p in procs) and time.monotonic() < deadline:
        pump(procs, caps, int(min(deadline - time.monotonic(), 0.05) * 1000) + 1)
    for p in procs:
        p.timed_out = not p.poll()
    finish(procs, caps)
    report = main.report()
    report["others"] = [p.report() for p in procs[1:]]
    if job.get("collect"):
        data, _ = as_user(work.get("uid"), collect, work["cwd"], job["collect"],
                          job.get("collect_bytes", 16 << 20))
        report["files"] = json.loads(data or b"{}")
    return report, uids


def finish(procs, caps):
    """Nothing a command started may outlive the job: in serve mode every process in the
    container but init and this one dies (however it hid: new sessions, double forks), sent
    by this process itself, which needs no fork for it: a job that keeps the pids limit full
    (a fork or thread bomb) leaves no slot for a helper; else its process groups."""
    if SERVING[0]:
        kill_all()  # root with CAP_KILL: kill(-1) reaches every uid
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 2
    while any(p.fds for p in procs) and time.monotonic() < deadline:
        pump(procs, caps, 20)
    for p in procs:
        for fd in list(p.fds) + ([p.pidfd] if p.pidfd is not None else []):
            os.close(fd)
        p.fds.clear()
        if p.status is None:
            _, p.status, p.rusage = os.wait4(p.pid, 0)
            p.end = time.monotonic()


def serve(lifetime_s):
    SERVING[0] = True
    import ctypes  # noqa: F401 - loaded once here rather than in every reset
    import tarfile  # noqa: F401 - likewise for unpacking files
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.alarm(lifetime_s)  # an idle container ends itself even if every reaper missed it
    mounts = writable_mounts()
    for line in sys.stdin.buffer:
        job = None
        try:
            job = json.loads(line)
            if any(p.get("uid") in (None, 0) for p in job["procs"]):
                raise ValueError("every command needs a non-root uid")
            report, uids = run_job(job)
            report["reset"] = job.get("reset", True) and all(
                as_user(uid, reset, uid, mounts, AFTER_S)[1] for uid in uids) \
                and not survivors(uids)
        except Exception as exc:  # noqa: BLE001 - reported; the host discards the container
            report = {"error": f"supervisor: {type(exc).__name__}: {exc}"[:500], "reset": False}
        report["id"] = job.get("id") if isinstance(job, dict) else None
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        sys.stdout.write(json.dumps(run_job(json.loads(sys.argv[1]))[0]) + "\n")
