"""What a candidate cannot do to the sandbox's word: forge its run report, flood the host
through it, or leave anything behind for the next candidate in a warm container. Each test
runs real attacks in real hardened containers (attack programs in tests/fixtures/attacks)."""

import json
import uuid
from pathlib import Path

import pytest

from galapagos.sandbox import Limits, RunRequest

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ATTACKS = Path(__file__).resolve().parents[1] / "fixtures" / "attacks"


@pytest.fixture(scope="module")
def sb():
    from galapagos.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox(gpus=[], concurrency=1, pool_size=1)
    yield box
    box.close()


def attack(sb, name, *args, **limits):
    code = (ATTACKS / name).read_text()
    return sb.run(RunRequest(["python3", name, *args], files={name: code},
                             limits=Limits(**limits)))


def test_no_process_in_the_sandbox_can_forge_the_report(sb):
    r = attack(sb, "forge.py")
    assert (r.exit_code, r.stdout, r.timed_out, r.error) == (3, "mine\n", False, None)
    assert json.loads(r.stderr) == []  # no descriptor written, nothing traced or signalled
    after = sb.run(RunRequest(["sh", "-c", "echo alive; exit 4"]))
    assert (after.exit_code, after.stdout, after.error) == (4, "alive\n", None)


def test_a_report_shaped_stdout_is_only_stdout(sb):
    fake = json.dumps({"exit_code": 0, "stdout": "FORGED", "reset": True})
    r = sb.run(RunRequest(["sh", "-c", f"echo '{fake}'; exit 5"]))
    assert r.exit_code == 5 and r.stdout == fake + "\n"


def test_host_memory_is_bounded_whatever_the_candidate_writes(sb):
    r = sb.run(RunRequest(["sh", "-c", "mkdir out; for i in $(seq 40); do head -c 1048576 "
                                       "/dev/zero > out/f$i; done; yes | head -c 50000000"],
                          limits=Limits(work_mb=96, output_bytes=4096, wall_s=20)))
    assert r.ok and len(r.stdout) == 4096 and r.stdout_truncated
    assert sum(map(len, r.files.values())) <= 16 << 20 < 40 << 20  # the cap, not all of it


def test_warm_reuse_leaves_nothing_for_the_next_candidate(sb):
    token = uuid.uuid4().hex[:8]
    started = sb.pool.started
    left = attack(sb, "leave.py", token)
    assert left.ok, left.stderr
    made = json.loads(left.stdout)
    assert {"/work", "/tmp", "/dev/shm"} <= set(made["written"])
    assert min(made["ipc"]) >= 0  # SysV shm, msg, sem and a POSIX queue were really made
    seen = json.loads(attack(sb, "look.py").stdout)
    assert sb.pool.started == started  # the same warm container served both
    assert seen["leaks"] == [] and seen["procs"] == []
    assert seen["ipc"] == {"shm": [], "msg": [], "sem": []}
    fresh = json.loads(sb.run(RunRequest(
        ["python3", "look.py"], files={"look.py": (ATTACKS / "look.py").read_text()},
        fresh=True)).stdout)
    assert seen == fresh  # every writable mount and object as in a new container


HARD_LINKS = """
import os, time
os.makedirs("out/l", exist_ok=True)
open("out/l/f", "w").write("x")
n, start = 0, time.monotonic()
while time.monotonic() - start < 3:
    for _ in range(1000):
        os.link("out/l/f", f"out/l/{n}")
        n += 1
print(n, flush=True)
time.sleep(100)
"""


@pytest.mark.parametrize("fresh", [False, True])
def test_cleaning_up_after_a_million_hard_links_is_bounded(sb, fresh):
    """A candidate that leaves over a million names, then sleeps: its run times out (its
    fault), the collection and the reset stop in time, so the host's backstop never fires
    (that would count as the engine's fault), and the next run is served."""
    import time

    from galapagos.sandbox.docker_backend import HOST_GRACE_S

    limits = Limits(wall_s=6, memory_mb=1024, work_mb=512)
    start = time.monotonic()
    r = sb.run(RunRequest(["python3", "-c", HARD_LINKS], limits=limits, fresh=fresh))
    took = time.monotonic() - start
    assert int(r.stdout) > 500_000, r.stdout
    assert r.error is None and r.timed_out and took < limits.wall_s + HOST_GRACE_S, (r, took)
    assert len(r.files) == 1000  # the collection stops at its count
    after = sb.run(RunRequest(["python3", "-c", "import os; print(len(os.listdir('/work')))"]))
    assert after.ok and after.stdout.strip() == "0"
