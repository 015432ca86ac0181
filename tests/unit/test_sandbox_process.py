"""The process backend (no Docker needed) and the parts of the sandbox that need no engine."""

import threading
import time

import pytest

from galapagos.errors import GPUUnavailable, SandboxError
from galapagos.sandbox import Limits, Mount, RunRequest, make_sandbox
from galapagos.sandbox.gpu import GPUAllocator


@pytest.fixture(scope="module")
def proc():
    return make_sandbox("process", gpus=[])


def test_process_backend_is_labelled_as_no_boundary(proc):
    assert proc.backend == "process" and proc.is_security_boundary is False


def test_runs_with_files_and_collects_outputs(proc):
    r = proc.run(RunRequest(["python3", "main.py"], files={
        "main.py": "import os\nos.makedirs('out', exist_ok=True)\n"
                   "open('out/r.txt','w').write('42')\nprint('hello')"}))
    assert r.ok and r.stdout == "hello\n" and r.files == {"r.txt": b"42"}


def test_timeout_and_output_cap(proc):
    r = proc.run(RunRequest(["sleep", "30"], limits=Limits(wall_s=0.5)))
    assert r.timed_out and r.exit_code == 137 and r.duration_s < 2
    flood = proc.run(RunRequest(["sh", "-c", "yes | head -c 200000"],
                                limits=Limits(output_bytes=1000)))
    assert flood.stdout_truncated and len(flood.stdout) == 1000


def test_environment_is_scrubbed(proc, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-canary")
    r = proc.run(RunRequest(["env"]))
    assert "sk-canary" not in r.stdout and "HOME=" in r.stdout


def test_memory_limit_via_rlimit(proc):
    r = proc.run(RunRequest(["python3", "-c", "x = bytearray(2 * 1024**3)"],
                            limits=Limits(memory_mb=64)))
    assert r.exit_code == 1 and r.oom_killed and "MemoryError" in r.stderr


def test_mounts_are_remapped_to_host_folders(proc, tmp_path):
    (tmp_path / "t.txt").write_text("hidden")
    r = proc.run(RunRequest(["cat", "/grader/t.txt"], mounts=[Mount(str(tmp_path), "/grader")]))
    assert r.stdout == "hidden"


def test_missing_command_is_reported(proc):
    r = proc.run(RunRequest(["definitely-not-a-command"]))
    assert r.exit_code == 127 and "cannot start" in r.stderr


def test_bad_requests_and_backends():
    with pytest.raises(SandboxError, match="non-empty argv"):
        RunRequest([])
    with pytest.raises(SandboxError, match="GITHUB_TOKEN"):
        RunRequest(["true"], env={"GITHUB_TOKEN": "x"})
    with pytest.raises(SandboxError, match="Unknown sandbox backend 'vm'"):
        make_sandbox("vm")


def test_gpus_are_handed_out_exclusively():
    alloc = GPUAllocator(["0", "1"])
    a, b = alloc.acquire(1), alloc.acquire(1)
    assert {a[0], b[0]} == {"0", "1"}
    got = []
    t = threading.Thread(target=lambda: got.append(alloc.acquire(1, timeout=5)))
    t.start()
    time.sleep(0.2)
    assert got == []            # waits: both are busy
    alloc.release(a)
    t.join()
    assert got == [a]
    with pytest.raises(GPUUnavailable, match="No 2 free GPU"):
        alloc.acquire(2, timeout=0.1)


def test_shared_gpus_and_too_many():
    shared = GPUAllocator(["0"], share=True)
    assert shared.acquire(1) == shared.acquire(1) == ["0"]
    with pytest.raises(GPUUnavailable, match="asks for 3 GPU.*allow_cpu_fallback"):
        GPUAllocator(["0"]).acquire(3)


def test_gpu_seconds_recorded_by_process_backend():
    sb = make_sandbox("process", gpus=["7"])
    r = sb.run(RunRequest(["sh", "-c", "echo $CUDA_VISIBLE_DEVICES; sleep 0.2"],
                          limits=Limits(gpus=1)))
    assert r.stdout.strip() == "7" and r.gpus == ["7"] and r.gpu_seconds >= 0.2


def test_sandbox_limits_from_config(tmp_path):
    from galapagos.errors import ConfigError
    from galapagos.orchestrator.config import load_config

    cfg = load_config(None, base={"task": {"name": "code", "sandbox": {
        "wall_s": 3, "memory_mb": 128, "backend": "process"}}})
    lim = cfg.task.sandbox.limits()
    assert lim.wall_s == 3 and lim.memory_mb == 128 and lim.network is False
    with pytest.raises(ConfigError, match=r"\[task.sandbox.memory_mb\]"):
        load_config(None, base={"task": {"name": "x", "sandbox": {"memory_mb": 1}}})
    with pytest.raises(ConfigError, match=r"\[task.sandbox.network\] unknown key"):
        load_config(None, base={"task": {"name": "x", "sandbox": {"network": True}}})


def test_code_task_grades_through_the_process_backend():
    from galapagos.agents.llm import LLMClient
    from galapagos.tasks.code import CodeTask

    sb = make_sandbox("process", gpus=[])
    task = CodeTask(LLMClient("fake/unused"), lambda: sb, Limits(wall_s=10))
    row = task.rows["Galapagos/fizzbuzz"]
    good = task.grade(row["task_id"], row["prompt"] + row["canonical_solution"])
    bad = task.grade(row["task_id"], row["prompt"] + "    return str(n)\n")
    boom = task.grade(row["task_id"], row["prompt"] + "    raise KeyError(n)\n")
    assert (good.score, bad.score, boom.score) == (1.0, 0.0, 0.0)
    assert boom.feedback == "Error: KeyError raised in the solution"
