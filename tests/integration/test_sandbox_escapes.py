"""The escape battery: each attack runs in a real hardened container and must be contained
and reported exactly. Egress tests aim only at this machine (the container's own view,
and a listener this test starts on the Docker bridge gateway)."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from galapagos.errors import GPUUnavailable, SandboxError
from galapagos.sandbox import Limits, RunRequest
from galapagos.sandbox.reaper import LABEL, OWNER

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def sb():
    from galapagos.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox(gpus=[])
    yield box
    box.close()


def py(sb, code, **limits):
    return sb.run(RunRequest(["python3", "-c", textwrap.dedent(code)], limits=Limits(**limits)))


# network ---------------------------------------------------------------------------------
def test_no_interface_but_loopback(sb):
    r = py(sb, "import os; print(sorted(os.listdir('/sys/class/net')))")
    assert r.ok and r.stdout.strip() == "['lo']"


def test_dns_lookup_fails_for_want_of_any_network(sb):
    r = py(sb, """
        import socket
        try:
            socket.getaddrinfo('galapagos-egress-probe.invalid', 80)
        except socket.gaierror as e:
            print(e.errno)
        """)
    assert r.stdout.strip() == str(socket.EAI_AGAIN)  # no resolver reachable, not NXDOMAIN


def bridge_gateway():
    out = subprocess.run(["docker", "network", "inspect", "bridge"], capture_output=True,
                         text=True, check=True).stdout
    import ipaddress

    cfg = json.loads(out)[0]["IPAM"]["Config"][0]
    return cfg.get("Gateway") or str(next(ipaddress.ip_network(cfg["Subnet"]).hosts()))


def test_host_listener_on_bridge_gateway_is_unreachable(sb):
    gateway = bridge_gateway()
    listener = socket.socket()
    listener.bind((gateway, 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        r = py(sb, f"""
            import socket
            s = socket.socket(); s.settimeout(3)
            try:
                s.connect(('{gateway}', {port})); print('CONNECTED')
            except OSError as e:
                print(e.errno)
            """)
        assert r.stdout.strip() == "101"  # ENETUNREACH: there is no route at all
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


def test_raw_sockets_are_refused(sb):
    r = py(sb, """
        import errno, socket
        try:
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            print('RAW')
        except PermissionError as e:
            print(errno.errorcode[e.errno])
        """)
    assert r.stdout.strip() == "EPERM"  # no CAP_NET_RAW


# processes -------------------------------------------------------------------------------
def test_fork_bomb_hits_the_pids_limit(sb):
    r = py(sb, """
        import errno, os, time
        n = 0
        try:
            while True:
                if os.fork() == 0:
                    time.sleep(60); os._exit(0)
                n += 1
        except OSError as e:
            print(n, errno.errorcode[e.errno])
        """, pids=32, wall_s=10)
    forks, err = r.stdout.split()
    assert err == "EAGAIN" and 0 < int(forks) < 32 and r.exit_code == 0 and not r.timed_out
    left = py(sb, "import os; print(len([p for p in os.listdir('/proc') if p.isdigit()]))")
    assert int(left.stdout) <= 5  # init, idle sleep, supervisor, python: the bomb is gone


def test_shell_fork_bomb_is_stopped_by_the_clock(sb):
    r = sb.run(RunRequest(["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 30"],
                          limits=Limits(pids=32, wall_s=2)))
    assert r.timed_out and r.exit_code == 137 and r.duration_s < 4
    assert py(sb, "print('alive')").stdout.strip() == "alive"


def test_memory_bomb_is_oom_killed(sb):
    r = py(sb, "x = bytearray(1024 * 1024 * 1024)", memory_mb=128)
    assert r.oom_killed and r.exit_code == 137 and not r.timed_out


def test_zombies_are_reaped(sb):
    r = py(sb, """
        import os, time
        if os.fork() == 0:              # a middle process makes zombies, then dies unreaping
            for _ in range(20):
                if os.fork() == 0:
                    os._exit(0)
            os._exit(0)
        time.sleep(0.5)
        orphans = 0   # zombies not ours to reap: only init can, and must
        for p in filter(str.isdigit, os.listdir('/proc')):
            try:
                state, ppid = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[:2]
            except OSError:
                continue
            orphans += state == 'Z' and int(ppid) != os.getpid()
        print(orphans)
        """)
    assert r.ok and r.stdout.strip() == "0"
    after = py(sb, """
        import os
        print(sum(open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[0] == 'Z'
                  for p in filter(str.isdigit, os.listdir('/proc'))))
        """)
    assert after.stdout.strip() == "0"


# time and output -------------------------------------------------------------------------
def test_infinite_loop_times_out(sb):
    r = py(sb, "while True: pass", wall_s=2)
    assert r.timed_out and r.exit_code == 137 and 2.0 <= r.duration_s < 3.0


def test_sleep_past_the_limit(sb):
    r = sb.run(RunRequest(["sleep", "60"], limits=Limits(wall_s=1.5)))
    assert r.timed_out and r.exit_code == 137 and 1.5 <= r.duration_s < 2.5


def test_stdout_flood_is_capped_and_flagged(sb):
    r = sb.run(RunRequest(["sh", "-c", "yes flood"], limits=Limits(wall_s=2,
                                                                   output_bytes=4096)))
    assert r.timed_out and r.stdout_truncated and len(r.stdout) == 4096
    assert not r.stderr_truncated
    done = sb.run(RunRequest(["sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x"]))
    assert done.exit_code == 0 and done.stdout_truncated and len(done.stdout) == 65536


# filesystem ------------------------------------------------------------------------------
def test_disk_fill_of_work_dir_and_tmp(sb):
    for target in ("/work/big", "/tmp/big"):
        r = py(sb, f"""
            import errno
            n = 0
            try:
                with open('{target}', 'wb') as f:
                    while True:
                        f.write(b'x' * 1048576); f.flush(); n += 1
            except OSError as e:
                print(n, errno.errorcode[e.errno])
            """, work_mb=16, memory_mb=256)
        written, err = r.stdout.split()
        assert err == "ENOSPC" and int(written) <= 16, target


def test_file_size_limit(sb):
    r = py(sb, """
        import errno
        try:
            open('/work/f', 'wb').write(b'x' * 20 * 1048576)
        except OSError as e:
            print(errno.errorcode[e.errno])
        """, fsize_mb=8)
    assert r.stdout.strip() == "EFBIG"


def test_writes_outside_the_work_dir_fail(sb):
    r = py(sb, """
        import errno
        for path in ['/etc/evil', '/usr/bin/evil', '/evil', '/opt/galapagos/supervise.py',
                     '/home/evil']:
            try:
                open(path, 'w').write('x'); print('WROTE', path)
            except OSError as e:
                print(errno.errorcode[e.errno])
        """)
    assert r.stdout.split() == ["EROFS"] * 5


# secrets and privileges ------------------------------------------------------------------
def test_host_environment_does_not_leak(sb, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-galapagos-canary")
    monkeypatch.setenv("GALAPAGOS_CANARY", "canary-value")
    r = sb.run(RunRequest(["sh", "-c", "env; cat /proc/1/environ 2>&1 | tr '\\0' '\\n'"]))
    assert "canary" not in r.stdout and "OPENAI" not in r.stdout
    with pytest.raises(SandboxError, match="OPENAI_API_KEY.*never enter"):
        RunRequest(["env"], env={"OPENAI_API_KEY": "sk-x"})


def test_privilege_escalation_is_refused(sb):
    r = py(sb, """
        import ctypes, errno, os
        status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines())
        print(os.getuid(), status['NoNewPrivs'], status['CapEff'])
        for fn in (lambda: os.setuid(0), lambda: os.setgid(0)):
            try:
                fn(); print('ESCALATED')
            except PermissionError as e:
                print(errno.errorcode[e.errno])
        libc = ctypes.CDLL(None, use_errno=True)
        rc = libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)
        print(rc, errno.errorcode[ctypes.get_errno()])
        """)
    assert r.stdout.split() == ["1000", "1", "0000000000000000", "EPERM", "EPERM", "-1",
                                "EPERM"]
    suid = sb.run(RunRequest(["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp"]))
    assert suid.exit_code != 0 and "must be superuser" in suid.stderr  # setuid bit ignored


# the pool and the reaper -----------------------------------------------------------------
def test_warm_container_is_reset_between_uses(sb):
    first = sb.run(RunRequest(["sh", "-c", "echo secret > /work/left; echo t > /tmp/left; "
                                           "(sleep 300 &) ; echo ok"]))
    started = sb.pool.started
    second = sb.run(RunRequest(["sh", "-c", "ls -A /work /tmp; cat /proc/[0-9]*/comm"]))
    assert first.ok and sb.pool.started == started  # both reused the warm container
    assert "left" not in second.stdout.split()
    comms = second.stdout.split()
    assert "python3" in comms and "sleep" not in comms  # the supervisor is seen; no survivor


def test_output_files_come_back(sb):
    r = sb.run(RunRequest(["sh", "-c", "mkdir -p out/sub && echo hi > out/a.txt && "
                                       "echo deep > out/sub/b.txt"]))
    assert r.files == {"a.txt": b"hi\n", "sub/b.txt": b"deep\n"}


def test_parallel_runs_async(sb):
    async def many():
        reqs = [RunRequest(["python3", "-c", f"print({i})"]) for i in range(6)]
        return await asyncio.gather(*(sb.arun(r) for r in reqs))

    results = asyncio.run(many())
    assert [r.stdout.strip() for r in results] == [str(i) for i in range(6)]


def test_gpu_request_without_gpu_fails_clearly(sb):
    with pytest.raises(GPUUnavailable, match="asks for 1 GPU.*0 are visible"):
        sb.run(RunRequest(["true"], limits=Limits(gpus=1)))


def test_containers_carry_labels():
    import threading

    import docker

    from galapagos.sandbox.docker_backend import DockerSandbox

    client = docker.from_env()
    box = DockerSandbox(gpus=[], labels={"galapagos.run": "r-label"})
    try:
        t = threading.Thread(target=box.run, args=(RunRequest(
            ["sleep", "2"], labels={"galapagos.evaluation": "e-1"}, fresh=True),))
        t.start()
        box.run(RunRequest(["true"]))  # leaves a warm container
        time.sleep(0.5)
        seen = {c.labels.get("galapagos.evaluation"): c.labels for c in client.containers.list(
            filters={"label": "galapagos.run=r-label"})}
        t.join()
        assert set(seen) == {"e-1", "warm-pool"}
        assert all(lb[LABEL] == "1" and lb[OWNER] for lb in seen.values())
    finally:
        box.close()


ORPHAN = """
import sys, time
from galapagos.sandbox.docker_backend import DockerSandbox
from galapagos.sandbox import RunRequest, Limits
sb = DockerSandbox(gpus=[])
print("ready", flush=True)
sb.run(RunRequest(["sleep", "100"], limits=Limits(wall_s=120), fresh=True))
"""


def test_kill_9_of_the_orchestrator_leaks_nothing_past_the_next_start():
    import docker

    from galapagos.sandbox.docker_backend import DockerSandbox
    from galapagos.sandbox.reaper import owner_label

    client = docker.from_env()
    proc = subprocess.Popen([sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    label = owner_label(proc.pid)
    deadline = time.time() + 30
    while time.time() < deadline and not client.containers.list(
            filters={"label": f"{OWNER}={label}"}):
        time.sleep(0.1)
    time.sleep(0.5)  # mid-evaluation
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    leaked = client.containers.list(all=True, filters={"label": f"{OWNER}={label}"})
    assert len(leaked) == 1  # the orchestrator died without cleaning up
    DockerSandbox(gpus=[]).close()  # the next start reaps it
    assert client.containers.list(all=True, filters={"label": f"{OWNER}={label}"}) == []


def test_task_images_are_layered_and_never_rebuilt(sb):
    from galapagos.sandbox.docker_backend import DockerSandbox
    from galapagos.sandbox.images import TaskImage, ensure_task_image

    image = TaskImage("bench-task", ("COPY marker.txt /opt/marker.txt",
                                     "RUN python3 -c \"open('/opt/built','w').write('yes')\""),
                      {"marker.txt": b"from the build context\n"})
    tag = ensure_task_image(sb.client, image, sb.image)
    created = sb.client.images.get(tag).attrs["Created"]
    assert ensure_task_image(sb.client, image, sb.image) == tag  # same recipe, same tag
    assert sb.client.images.get(tag).attrs["Created"] == created  # and no rebuild
    other = TaskImage("bench-task", image.lines, {"marker.txt": b"changed\n"})
    assert other.tag(sb.image) != tag
    box = DockerSandbox(image=tag, gpus=[])
    try:
        r = box.run(RunRequest(["sh", "-c", "cat /opt/marker.txt /opt/built"]))
        assert r.stdout == "from the build context\nyes"
    finally:
        box.close()


def test_fresh_switch_uses_a_new_container_each_time():
    import docker

    from galapagos.sandbox.docker_backend import DockerSandbox
    from galapagos.sandbox.reaper import owner_label

    box = DockerSandbox(gpus=[], fresh=True)
    try:
        ids = [box.run(RunRequest(["cat", "/etc/hostname"])).ok for _ in range(2)]
        assert ids == [True, True] and box.pool.started == 0
        mine = docker.from_env().containers.list(
            all=True, filters={"label": f"{OWNER}={owner_label()}"})
        assert mine == []  # each was removed after its run
    finally:
        box.close()


def test_doctor_reports_a_working_setup():
    from typer.testing import CliRunner

    from galapagos.orchestrator.cli import app

    res = CliRunner().invoke(app, ["sandbox", "doctor"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for line in ("Docker engine", "seccomp", "base image", "NOT a security boundary"):
        assert line in res.output
