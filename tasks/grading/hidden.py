"""The two-party grading run: hidden test code graded against a candidate it never meets.

A fresh container holds the hidden folder read-only at ``/grader``: the harness runs the
hidden ``check`` as the grader uid, the only one that can read the test file (mode 0400),
and the candidate's files run in a worker as the sandbox uid; calls cross a FIFO as Python
literals. So the candidate cannot read the tests, fake a verdict or return objects that
equal anything. (With the process backend, or when not running as root, both sides share
a uid: no such isolation.)"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from galapagos.sandbox import Mount, RunRequest
from galapagos.tasks.grading.faults import checked

HARNESS = Path(__file__).with_name("grader_harness.py")
WORKER = Path(__file__).with_name("grader_worker.py")
GRADER_UID = 65534  # the sandbox's grader user
GRADER_PYTHON = ("python3", "-I")  # isolated: no user site, no PYTHON* variables, no cwd
Verdict = dict[str, Any]  # status (PASS, FAIL, SCORE, ERROR), message, duration_s, gpu_s


class HiddenGrader:
    """Grades files with hidden check code; ``sandbox()`` gives the run's sandbox."""

    def __init__(self, sandbox: Any, limits: Any):
        self._sandbox, self.limits = sandbox, limits
        self._hidden = Path(tempfile.mkdtemp(prefix="galapagos-hidden-"))
        os.chmod(self._hidden, 0o755)  # the sandbox user reads it through the ro mount
        for src, name in ((HARNESS, "harness.py"), (WORKER, "worker.py")):
            shutil.copy(src, self._hidden / name)
            os.chmod(self._hidden / name, 0o644)
        atexit.register(shutil.rmtree, self._hidden, True)

    @staticmethod
    def code() -> bytes:
        """The harness and the worker, for a task's fingerprint."""
        return HARNESS.read_bytes() + WORKER.read_bytes()

    def verdict(self, source: str, mode: str, files: dict[str, str],
                labels: dict[str, str]) -> Verdict:
        """Grade ``files`` with the hidden ``source`` (``def check(...)``) in a two-party run.
        ``mode``: the entry point of ``solution.py``, or ``--calls`` for a repository whose
        functions the check names (``call("pkg.mod.fn", *args)``). A check that grades with
        a number prints ``VERDICT SCORE <x> <why>`` itself (status SCORE, message "x why")."""
        test_name = hashlib.sha256(source.encode()).hexdigest()[:12] + ".py"
        self._write_hidden(test_name, source)
        worker = RunRequest(["python3", "/grader/worker.py", mode], files=files,
                            limits=self.limits, labels=labels)
        res = checked(self._sandbox().run(RunRequest(
            [*GRADER_PYTHON, "/grader/harness.py", f"/grader/{test_name}", mode],
            mounts=[Mount(str(self._hidden), "/grader")], limits=self.limits, labels=labels,
            fresh=True, companion=worker)), "during the grading run")
        return _read_verdict(res)

    def _write_hidden(self, name: str, text: str) -> None:
        """Readable by the grader uid alone, where we may hand it over (as root)."""
        path = self._hidden / name
        if path.exists():
            return
        path.write_text(text)
        try:
            os.chown(path, GRADER_UID, GRADER_UID)
            os.chmod(path, 0o400)
        except PermissionError:
            os.chmod(path, 0o444)  # not root: the grader and the candidate share a uid


def _read_verdict(res: Any) -> Verdict:
    """The harness's own word when it gave one in time; else the worker's fate."""
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("VERDICT ")), "")
    status, _, message = line.removeprefix("VERDICT ").partition(" ")
    worker = res.companion
    if status in ("PASS", "SCORE") and not res.timed_out:
        return {"status": status, "message": message or "Passed the hidden tests.",
                "duration_s": res.duration_s, "gpu_s": res.gpu_seconds}
    if res.timed_out or (worker is not None and worker.timed_out):
        return {"status": "FAIL", "message": "The solution timed out under the hidden tests.",
                "duration_s": res.duration_s}
    if worker is not None and worker.oom_killed:
        return {"status": "FAIL", "message": "The solution ran out of memory under the "
                "hidden tests.", "duration_s": res.duration_s}
    if not status:
        return {"status": "FAIL", "message": "The grader gave no verdict.",
                "duration_s": res.duration_s}
    text = {"PASS": "Passed the hidden tests.",
            "FAIL": "Failed a hidden test (wrong result)."}.get(status, f"Error: {message}")
    return {"status": status, "message": text, "duration_s": res.duration_s,
            "gpu_s": res.gpu_seconds}
