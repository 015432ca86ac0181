"""Built-in agent task: the candidate is a coding agent (a tree of files), scored by the
share of problems it solves. Per instance, a fresh sandbox holds the agent (read-only), the
problem's workspace (writable) and the LLM gateway's socket; the agent runs; then the
hidden tests grade the workspace it left in a separate two-party run (the grading
library's ``HiddenGrader``, as the ``code`` task grades). The agent's log, its calls and
its diff are the evaluation's trace.

Options: ``model`` (the model agents call, default ``local/gemma3-270m``), ``models``
(more models they may call), ``repos`` (a folder of repository problems, default the
shipped ones; see ``problems``), ``functions`` (a HumanEval-format JSONL, default the
grading library's shipped problems, which the ``code`` task solves; "" for none),
``only`` (globs of instance ids to keep), ``agent`` (a folder holding the seed agent,
default ``galapagos.agents.coding``), ``agent_wall_s`` (default 300), ``agent_memory_mb``
(default 512), ``caps`` (per evaluation: calls, tokens, cost_usd, max_tokens)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from galapagos.agents.coding import SEED, seed_files
from galapagos.agents.gateway import Caps, Gateway
from galapagos.agents.llm.scope import serving
from galapagos.errors import TaskError
from galapagos.sandbox import Limits, RunRequest
from galapagos.tasks.agent.problems import Problem, digest, load_functions, load_repos
from galapagos.tasks.agent.run import AgentRun, AgentRunner
from galapagos.tasks.grading import FUNCTIONS, FunctionGrader, changes, checked
from galapagos.tasks.protocol import Editable, Instance, Result, TaskContext

REPOS = Path(__file__).with_name("problem-repos")  # not an identifier: data, not a package
GRADING = "a1"


class AgentTask:
    name = "agent"
    objectives = {"llm_tokens": "min", "llm_usd": "min"}  # what the agent's calls cost

    def __init__(self, problems: list[Problem], runner: AgentRunner, grader: FunctionGrader,
                 seed: dict[str, str], models: Sequence[str]):
        if not problems:
            raise TaskError("The agent task has no problems: check [task.options] repos, "
                            "functions and only.")
        self.problems = {p.id: p for p in problems}
        self.runner, self.grader, self.seed, self.models = runner, grader, seed, models
        self._instances = [Instance(p.id, p.split, p.issue) for p in problems]

    def instances(self) -> Sequence[Instance]:
        return self._instances

    def seed_candidate(self) -> dict[str, str]:
        return {}

    def seed_files(self) -> dict[str, str]:
        return dict(self.seed)

    def editable(self) -> Editable:
        return Editable(paths=("*.py",), start=None, end=None)

    def fingerprint(self) -> str:
        caps, lim = asdict(self.runner.gateway.caps), asdict(self.runner.limits)
        blob = json.dumps([digest(list(self.problems.values())), caps, lim, self.models,
                           self.grader.fingerprint()], sort_keys=True)
        return f"agent:{hashlib.sha256(blob.encode()).hexdigest()[:12]}:{GRADING}"

    def smoke(self, files: dict[str, str]) -> str | None:
        """The agent's modules import in the sandbox (a child that does not load is kept
        as a failed attempt with this reason). The sandbox's own failure is not the
        child's: it raises, as an evaluation's would, and the child is never judged."""
        res = checked(self.runner.sandbox().run(RunRequest(
            ["python3", "-c", "import sys; sys.path.insert(0, '.'); import agent"],
            files=files, limits=replace(self.grader.limits, wall_s=20))),
            "smoke-testing the agent")
        return None if res.ok else f"the agent does not load: {res.stderr.strip()[-400:]}"

    def run_agent(self, agent: dict[str, str], workspace: dict[str, str],
                  served: dict[str, str], purpose: str = "agent") -> AgentRun:
        return self.runner.run(agent, workspace, served, purpose)

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        problem = self.problems[instance.id]
        run = self.run_agent(candidate, problem.workspace,
                             serving() or {"instance_id": instance.id})
        verdict = self._grade(problem, run.files)
        diff = changes(run.before, run.files)[-20000:]
        tokens = sum(c["prompt_tokens"] + c["completion_tokens"] for c in run.calls)
        trace = {"agent": run.summary(), "steps": _short(run.log), "calls": run.calls,
                 "refused": run.refused[-10:], "stderr": run.stderr[-1000:],
                 "verdict": verdict["message"]}
        feedback = f"{verdict['message']} ({run.summary()})"
        return Result(1.0 if verdict["status"] == "PASS" else 0.0, diff, feedback, trace,
                      {"llm_calls": len(run.calls), "tokens": tokens, "agent_s": run.duration_s,
                       "cost_usd": sum(c["cost_usd"] for c in run.calls)})

    def _grade(self, problem: Problem, files: dict[str, str]) -> dict[str, Any]:
        labels = {"galapagos.run": self.runner.run_id, "galapagos.evaluation": problem.id[:60]}
        if problem.task_id:
            r = self.grader.grade(problem.task_id, files.get("solution.py", ""))
            return {"status": "PASS" if r.score == 1.0 else "FAIL", "message": r.feedback}
        return self.grader.hidden.verdict(problem.check, "--calls", files, labels)


def _short(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log as the trace keeps it: each value cut, at most 40 steps."""
    return [{k: (v[:1500] if isinstance(v, str) else v) for k, v in s.items()}
            for s in steps[:40]]


def _problems(opts: dict[str, Any], ctx: TaskContext) -> tuple[list[Problem], Path]:
    problems = load_repos(ctx.path(opts.pop("repos", REPOS)))
    given = opts.pop("functions", str(FUNCTIONS))
    functions = ctx.path(given) if given else FUNCTIONS
    if given:
        problems += load_functions(functions)
    only = opts.pop("only", None)
    if only:
        problems = [p for p in problems if any(fnmatch.fnmatchcase(p.id, g) for g in only)]
    return problems, functions


def _caps(given: dict[str, Any]) -> Caps:
    try:
        return Caps(**given)
    except TypeError:
        raise TaskError(f"Unknown agent caps in {sorted(given)}; known: calls, tokens, "
                        "cost_usd, max_tokens.") from None


def create(ctx: TaskContext) -> AgentTask:
    opts = dict(ctx.options)
    model = opts.pop("model", "local/gemma3-270m")
    models = [model, *opts.pop("models", [])]
    caps = _caps(opts.pop("caps", {}))
    base = ctx.limits or Limits()
    limits = replace(base, wall_s=float(opts.pop("agent_wall_s", 300)),
                     memory_mb=int(opts.pop("agent_memory_mb", 512)))
    seed = seed_files(ctx.path(opts.pop("agent", SEED)))
    problems, functions = _problems(opts, ctx)
    if opts:
        raise TaskError(f"Unknown agent task option(s): {', '.join(opts)}. Known: model, "
                        "models, repos, functions, only, agent, agent_wall_s, "
                        "agent_memory_mb, caps.")
    grader = FunctionGrader(ctx.sandbox, base, functions, run_id=ctx.run_id)
    runner = AgentRunner(Gateway(ctx.llm, models, caps), ctx.sandbox, limits, ctx.run_id)
    return AgentTask(problems, runner, grader, seed, models)
