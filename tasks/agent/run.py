"""Running an agent candidate on a workspace in a fresh sandbox, the gateway mounted in."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from galapagos.agents.gateway import Gateway, Session
from galapagos.sandbox import Limits, Mount, RunRequest
from galapagos.tasks.grading import checked

WORKSPACE, LOG = "repo", "agent.jsonl"   # under the run's output folder
TEXT = (".py", ".md", ".txt", ".toml", ".json", ".cfg", ".ini", ".yaml", ".yml")


@dataclass
class AgentRun:
    """What an agent left: the workspace after it, its log (the steps it wrote), the
    gateway's account of its calls, and how its process ended."""

    before: dict[str, str]
    files: dict[str, str]
    log: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    exit_code: int = 0
    timed_out: bool = False
    stderr: str = ""
    duration_s: float = 0.0

    def summary(self) -> str:
        how = "timed out" if self.timed_out else f"exited {self.exit_code}"
        return f"the agent {how} after {len(self.calls)} LLM call(s), {len(self.log)} step(s)"


class AgentRunner:
    def __init__(self, gateway: Gateway, sandbox: Any, limits: Limits, run_id: str = ""):
        self.gateway, self.sandbox, self.limits, self.run_id = gateway, sandbox, limits, run_id
        self._root = Path(tempfile.mkdtemp(prefix="galapagos-agents-"))
        os.chmod(self._root, 0o755)

    def run(self, agent: dict[str, str], workspace: dict[str, str],
            served: dict[str, str], purpose: str = "agent") -> AgentRun:
        with self.gateway.session(served, purpose=purpose) as sess:
            res = checked(self.sandbox().run(self.request(agent, workspace, sess)),
                          "while running an agent")
            sess.raise_fault()  # the budget or a model's API failed: not the agent's doing
        return AgentRun(workspace, _workspace(res.files), _log(res.files.get(LOG, b"")),
                        sess.calls, sess.refused, res.exit_code, res.timed_out,
                        res.stderr[-2000:], res.duration_s)

    def request(self, agent: dict[str, str], workspace: dict[str, str],
                sess: Session) -> RunRequest:
        """The agent's run: a fresh sandbox, the agent read-only at /agent, the session's
        folder (socket and client) read-only at /gateway, the workspace writable."""
        return RunRequest(
            ["python3", "/agent/agent.py", "/gateway", f"out/{WORKSPACE}", f"out/{LOG}"],
            files={f"out/{WORKSPACE}/{p}": t for p, t in workspace.items()},
            limits=self.limits, fresh=True,
            mounts=[Mount(self._folder(agent), "/agent"), Mount(str(sess.folder), "/gateway")],
            labels={"galapagos.run": self.run_id,
                    "galapagos.evaluation": sess.served.get("instance_id", "")[:60]})

    def _folder(self, agent: dict[str, str]) -> str:
        """The agent's files on the host, mounted read-only (one folder per agent)."""
        key = hashlib.sha256(json.dumps(agent, sort_keys=True).encode()).hexdigest()[:16]
        folder = self._root / key
        if not folder.is_dir():
            tmp = Path(tempfile.mkdtemp(dir=self._root))
            for path, text in agent.items():
                target = tmp / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            for p in [tmp, *tmp.rglob("*")]:
                os.chmod(p, 0o755 if p.is_dir() else 0o644)
            try:
                tmp.rename(folder)
            except OSError:  # another evaluation of the same agent wrote it first
                shutil.rmtree(tmp, ignore_errors=True)
        return str(folder)


def _workspace(files: dict[str, bytes]) -> dict[str, str]:
    prefix, out = f"{WORKSPACE}/", {}
    for path, data in files.items():
        if path.startswith(prefix) and path.endswith(TEXT) and "__pycache__" not in path:
            try:
                out[path[len(prefix):]] = data.decode()
            except UnicodeDecodeError:
                continue
    return out


def _log(data: bytes) -> list[dict[str, Any]]:
    steps = []
    for line in data.decode("utf-8", "replace").splitlines()[:500]:
        try:
            step = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
            continue
        if isinstance(step, dict):
            steps.append(step)
    return steps
