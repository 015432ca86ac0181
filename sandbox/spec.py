"""What a sandboxed run is given and what it gives back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from galapagos.errors import SandboxError

SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.I)


@dataclass(frozen=True)
class Limits:
    """Per-run limits. Every one is enforced by the Docker backend; the process backend
    applies what rlimits can (and is no security boundary)."""

    wall_s: float = 10.0          # wall clock, enforced inside the sandbox and from the host
    memory_mb: int = 256          # memory, and memory+swap (no swap)
    cpus: float = 1.0             # CPU share
    pids: int = 64                # processes and threads
    work_mb: int = 64             # size of the tmpfs work directory (and of /tmp)
    fsize_mb: int = 64            # largest file a process may write
    nofile: int = 256             # open files
    output_bytes: int = 65536     # stdout and stderr are each cut here ("truncated" flag)
    network: bool = False         # False: no interface but loopback
    gpus: int = 0                 # GPUs this run needs, handed out exclusively


@dataclass(frozen=True)
class Mount:
    """A host folder shown read-only inside the sandbox (grader-only data)."""

    source: str
    target: str


@dataclass
class RunRequest:
    command: list[str]
    files: dict[str, bytes | str] = field(default_factory=dict)   # written under the work dir
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    labels: dict[str, str] = field(default_factory=dict)           # e.g. run and evaluation ids
    output_dir: str = "out"        # files written here (relative to the work dir) come back
    fresh: bool = False            # a new container, not a warm one
    # Two-party runs (grading): ``companion`` runs as the sandbox user at the same time and
    # in the same container, while this command runs as the *grader* user, a different uid
    # that the companion can neither signal nor read the files of. The grader's HOME, TMPDIR
    # and cwd are a folder of its own, its Python finds no user site and no current folder
    # on its path: nothing the companion writes can run in it. The companion shares the
    # container, the grader's read-only mounts included.
    companion: "RunRequest | None" = None

    def __post_init__(self) -> None:
        leaked = [k for k in self.env if SECRET_NAME.search(k)]
        if leaked:
            raise SandboxError(
                f"Refusing to pass {', '.join(sorted(leaked))} into a sandbox: API keys and "
                "other secrets never enter one. Sandboxed agents reach models through the "
                "LLM gateway instead.")
        if not self.command:
            raise SandboxError("A sandbox run needs a command (a non-empty argv list).")


@dataclass
class RunResult:
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_s: float = 0.0
    peak_memory_mb: float = 0.0
    timed_out: bool = False
    oom_killed: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    gpu_seconds: float = 0.0
    gpus: list[str] = field(default_factory=list)
    error: str | None = None       # the sandbox's own trouble (not the command's)
    companion: "RunResult | None" = None
    reset: bool = True             # the container was reset after the run (warm reuse is safe)

    @classmethod
    def from_report(cls, r: dict, limits: Limits, **extra: object) -> "RunResult":
        """Build a result from the supervisor's JSON report."""
        import base64

        return cls(exit_code=r["exit_code"], stdout=r["stdout"], stderr=r["stderr"],
                   stdout_truncated=r["stdout_total"] > limits.output_bytes,
                   stderr_truncated=r["stderr_total"] > limits.output_bytes,
                   duration_s=r["duration_s"], peak_memory_mb=r["peak_rss_kb"] / 1024,
                   timed_out=r["timed_out"],
                   files={k: base64.b64decode(v) for k, v in r.get("files", {}).items()},
                   **extra)  # type: ignore[arg-type]

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not (self.timed_out or self.oom_killed or self.error)
