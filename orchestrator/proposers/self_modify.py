"""Self-modification, the Darwin Gödel Machine step: the parent agent itself is run in a
sandbox on a copy of its own files, with an issue made from how it failed (the problem it
was given, its log, the grader's verdict); the files it leaves are the child. The
orchestrator's code-edit proposer stays the alternative; ``proposer`` on each child says
which made it."""

from __future__ import annotations

import fnmatch
import json
from typing import Any, Protocol, runtime_checkable

from galapagos.archive import Candidate, Evaluation
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.tasks.protocol import Editable, Instance

ISSUE = """The coding agent in this repository (run as `python3 agent.py GATEWAY WORKSPACE
LOG`) failed to solve a problem. Change the agent's code or prompts so that it solves
problems like this one. Keep the command line, and keep the agent working on other problems.

## The problem it was given

{problem}

## What the agent did (its log)

{log}

## The grader's verdict

{verdict}
"""
SMOKE_TEST = '''import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class AgentLoads(unittest.TestCase):
    def test_modules_import(self):
        import agent  # noqa: F401
'''
SMOKE_PATH = "tests/test_agent_loads.py"


@runtime_checkable
class RunsAgents(Protocol):
    """What this proposer needs of a task (``AgentTask`` has it)."""

    def run_agent(self, agent: dict[str, str], workspace: dict[str, str],
                  served: dict[str, str], purpose: str = "agent") -> Any: ...


class SelfModify:
    name = "self_modify"

    def __init__(self, task: RunsAgents):
        self.task = task

    def propose(self, ctx: ProposalContext) -> Proposal:
        failed = _worst(ctx)
        if failed is None:
            return Proposal(self.name, rejected="the parent solved its whole minibatch; "
                            "nothing to learn from")
        inst, ev = failed
        workspace = {**ctx.parent.files, SMOKE_PATH: SMOKE_TEST,
                     "ISSUE.md": issue_text(inst, ev)}
        run = self.task.run_agent(ctx.parent.files, workspace, {
            "candidate_id": ctx.parent.id,
            "instance_id": f"self_modify/{ctx.run_id}/{ctx.iteration}"}, "self_modify")
        files = _keep(ctx.parent.files, run.files, ctx.editable or Editable())
        changed = sorted(p for p in set(files) | set(ctx.parent.files)
                         if files.get(p) != ctx.parent.files.get(p))
        if not changed:
            return Proposal(self.name, rejected=f"the agent left its own code unchanged "
                            f"({run.summary()})")
        child = Candidate(dict(ctx.parent.components), (ctx.parent.id,), self.name,
                          {"files_changed": changed, "from_failure": inst.id,
                           "agent": run.summary()}, files)
        return Proposal(self.name, child=child, note=f"self-modified on {inst.id}: "
                        + ", ".join(changed))


def _worst(ctx: ProposalContext) -> tuple[Instance, Evaluation] | None:
    scored = [(ctx.results[i.id].score, n, i) for n, i in enumerate(ctx.minibatch)]
    low = min(scored, key=lambda t: (t[0], t[1]), default=None)
    if low is None or low[0] >= 1.0:
        return None
    return low[2], ctx.results[low[2].id]


def issue_text(inst: Instance, ev: Evaluation) -> str:
    trace = ev.trace if isinstance(ev.trace, dict) else {}
    steps = trace.get("steps") or []
    log = "\n".join(json.dumps(s)[:600] for s in steps[-12:]) or "(no log)"
    return ISSUE.format(problem=str(inst.input)[:3000], log=log[-6000:],
                        verdict=ev.feedback[:1000])


def _keep(parent: dict[str, str], after: dict[str, str], rules: Editable) -> dict[str, str]:
    """The child's files: the parent's that may not change, and of those that may, what
    the run left (without the issue and the smoke test it was given)."""
    def editable(p: str) -> bool:
        return any(fnmatch.fnmatchcase(p, g) for g in rules.paths)

    kept = {p: t for p, t in parent.items() if not editable(p)}
    return {**kept, **{p: t for p, t in after.items()
                       if p not in (SMOKE_PATH, "ISSUE.md") and editable(p)}}
