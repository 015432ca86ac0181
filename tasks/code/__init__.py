"""Built-in code task: a solver LLM writes a function for each problem from a few-shot
prompt (the candidate), and the function is run in the sandbox against hidden tests.

Two sandbox steps per instance:
1. the candidate's own run: ``python3 solution.py`` with the solution alone (catches
   syntax errors and crashes at import); the hidden tests are nowhere in it;
2. the grader step: a fresh container with the hidden tests mounted read-only at
   ``/grader``. It is a two-party run: the harness runs ``check`` as the grader uid, the
   only one that can read the test file (mode 0400), and the solution runs in a worker as
   the sandbox uid; calls cross a FIFO as Python literals. So even at grading time the
   candidate cannot read the tests, fake a verdict or return objects that equal anything.
   (Arguments and results must therefore be literals, as in HumanEval. With the process
   backend, or when not running as root, both sides share a uid: no such isolation.)

Feedback for reflection names the failure's kind, never the test's text. Problems come in
the HumanEval JSONL format (task_id, prompt, entry_point, test; optional split and
canonical_solution). Options: ``model`` (default ``local/gemma3-270m``), ``data`` (a JSONL
file; default: the shipped problems), ``max_tokens`` (default 200).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from galapagos.agents.programs import DEMOS, INSTRUCTION, parse_demos
from galapagos.errors import SandboxError, TaskError
from galapagos.sandbox import Mount, RunRequest
from galapagos.tasks.protocol import Instance, Result, TaskContext, hash_split

DATA = Path(__file__).with_name("problems.jsonl")
HARNESS = Path(__file__).with_name("grader_harness.py")
WORKER = Path(__file__).with_name("grader_worker.py")
GRADER_UID = 65534  # the sandbox's grader user
GRADER_PYTHON = ("python3", "-I")  # isolated: no user site, no PYTHON* variables, no cwd
SEED = {INSTRUCTION: "# Python", DEMOS: "[]"}
STOPS = ["\ndef ", "\nclass ", "\nif __name__", "\nprint(", "```", "\n#"]
GRADING = "g2"  # g2: the prompt's own helpers are defined where the hidden test runs


class CodeTask:
    name = "code"
    objectives = {"tokens": "min", "sandbox_s": "min"}  # with the score, for frontier kinds
    demo_component = DEMOS

    def __init__(self, llm: Any, sandbox: Any, limits: Any, data: Path = DATA,
                 max_tokens: int = 200, run_id: str = ""):
        self.llm, self._sandbox, self.limits = llm, sandbox, limits
        self.data, self.max_tokens, self.run_id = data, max_tokens, run_id
        self.rows = _read(data)
        self._instances = [Instance(r["task_id"], r["split"], r["prompt"],
                                    r.get("canonical_solution")) for r in self.rows.values()]
        self._hidden = Path(tempfile.mkdtemp(prefix="galapagos-hidden-"))
        os.chmod(self._hidden, 0o755)  # the sandbox user reads it through the ro mount
        for src, name in ((HARNESS, "harness.py"), (WORKER, "worker.py")):
            shutil.copy(src, self._hidden / name)
            os.chmod(self._hidden / name, 0o644)
        atexit.register(shutil.rmtree, self._hidden, True)

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return dict(SEED)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.data.read_bytes() + HARNESS.read_bytes() +
                                WORKER.read_bytes()).hexdigest()[:12]
        model = self.llm.model if self.llm is not None else "-"
        return f"code:{digest}:{GRADING}:{model}:{self.max_tokens}"

    def render(self, candidate: dict[str, str], prompt: str) -> str:
        parts = [candidate.get(INSTRUCTION, "").strip()]
        demos = parse_demos(candidate.get(DEMOS, "[]"))
        if demos is None:
            parts.append(candidate.get(DEMOS, ""))
        else:
            parts += [f"{d['input']}{d['output']}" for d in demos if d.get("output")]
        return "\n\n".join(p for p in parts if p) + "\n\n" + prompt

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        row = self.rows[instance.id]
        out = self.llm.complete(self.render(candidate, row["prompt"]), purpose="task",
                                temperature=0.0, max_tokens=self.max_tokens, stop=STOPS)
        code = row["prompt"] + out.text.rstrip() + "\n"
        return self.grade(instance.id, code, tokens=out.prompt_tokens + out.completion_tokens)

    def grade(self, task_id: str, code: str, tokens: int = 0) -> Result:
        """Run one solution: the candidate's own run, then the grader step."""
        row = self.rows[task_id]
        labels = {"galapagos.run": self.run_id, "galapagos.evaluation": task_id}
        own = self._sandbox().run(RunRequest(["python3", "solution.py"],
                                             files={"solution.py": code}, limits=self.limits,
                                             labels=labels))
        objectives = {"sandbox_s": own.duration_s, "peak_memory_mb": own.peak_memory_mb,
                      "gpu_s": own.gpu_seconds, "tokens": tokens}
        _raise_if_infrastructure(own, "the solution's own run")
        if not own.ok:
            why = "timed out" if own.timed_out else "ran out of memory" if own.oom_killed \
                else f"exited {own.exit_code}: {own.stderr[-300:]}"
            return Result(0.0, code, f"The solution's own run {why}", {"stage": "own"},
                          objectives)
        verdict = self._grade(row, code, labels)
        objectives["sandbox_s"] += verdict.get("duration_s", 0.0)
        objectives["gpu_s"] += verdict.get("gpu_s", 0.0)
        score = 1.0 if verdict["status"] == "PASS" else 0.0
        return Result(score, code, verdict["message"], {"stage": "grader"}, objectives)

    def _grade(self, row: dict[str, Any], code: str, labels: dict[str, str]) -> dict[str, Any]:
        # as HumanEval's own harness does: the prompt (its imports and helper functions,
        # which some tests call) runs before the test; it is problem data, not candidate code
        return self.verdict(row["prompt"] + "\n\n" + row["test"], row["entry_point"],
                            {"solution.py": code}, labels)

    def verdict(self, source: str, mode: str, files: dict[str, str],
                labels: dict[str, str]) -> dict[str, Any]:
        """Grade ``files`` with the hidden ``source`` (``def check(...)``) in a two-party run.
        ``mode``: the entry point of ``solution.py``, or ``--calls`` for a repository whose
        functions the check names (``call("pkg.mod.fn", *args)``). A check that grades with
        a number prints ``VERDICT SCORE <x> <why>`` itself (status SCORE, message "x why")."""
        test_name = hashlib.sha256(source.encode()).hexdigest()[:12] + ".py"
        self._write_hidden(test_name, source)
        worker = RunRequest(["python3", "/grader/worker.py", mode], files=files,
                            limits=self.limits, labels=labels)
        res = self._sandbox().run(RunRequest(
            [*GRADER_PYTHON, "/grader/harness.py", f"/grader/{test_name}", mode],
            mounts=[Mount(str(self._hidden), "/grader")], limits=self.limits, labels=labels,
            fresh=True, companion=worker))
        _raise_if_infrastructure(res, "the grading run")
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("VERDICT ")), "")
        status, _, message = line.removeprefix("VERDICT ").partition(" ")
        worker_res = res.companion
        if status in ("PASS", "SCORE") and not res.timed_out:  # the harness's own word
            return {"status": status, "message": message or "Passed the hidden tests.",
                    "duration_s": res.duration_s, "gpu_s": res.gpu_seconds}
        if res.timed_out or (worker_res is not None and worker_res.timed_out):
            return {"status": "FAIL", "message": "The solution timed out under the hidden tests.",
                    "duration_s": res.duration_s}
        if worker_res is not None and worker_res.oom_killed:
            return {"status": "FAIL", "message": "The solution ran out of memory under the "
                    "hidden tests.", "duration_s": res.duration_s}
        if not status:
            return {"status": "FAIL", "message": "The grader gave no verdict.",
                    "duration_s": res.duration_s}
        text = {"PASS": "Passed the hidden tests.",
                "FAIL": "Failed a hidden test (wrong result)."}.get(status, f"Error: {message}")
        return {"status": status, "message": text, "duration_s": res.duration_s,
                "gpu_s": res.gpu_seconds}

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


def _raise_if_infrastructure(res: Any, what: str) -> None:
    """The sandbox's own trouble is not the solution's: never a score (the loop retries)."""
    if res.error:
        raise SandboxError(f"The sandbox failed during {what}: {res.error}")


def _read(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        raise TaskError(f"Code problems file '{path}' does not exist; set [task.options] data.")
    rows: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            missing = [k for k in ("task_id", "prompt", "entry_point", "test") if k not in r]
            assert not missing, f"missing {missing}"
        except (json.JSONDecodeError, AssertionError) as exc:
            raise TaskError(f"{path}:{n} is not a HumanEval-format row ({exc}).") from None
        if "split" not in r:
            r["split"] = hash_split(r["task_id"])
        rows[r["task_id"]] = r
    return rows


def create(ctx: TaskContext) -> CodeTask:
    opts = dict(ctx.options)
    llm = ctx.llm(opts.pop("model", "local/gemma3-270m"))
    data = ctx.path(opts.pop("data", DATA))
    max_tokens = int(opts.pop("max_tokens", 200))
    if opts:
        raise TaskError(f"Unknown code task option(s): {', '.join(opts)}. Known: model, data, "
                        "max_tokens.")
    return CodeTask(llm, ctx.sandbox, ctx.limits, data, max_tokens, ctx.run_id)
