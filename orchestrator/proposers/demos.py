"""Few-shot demo mutation: add, swap or drop one demonstration drawn from train,
preferring instances the parent just failed. Needs no LLM, so it makes progress even
with the smallest local model."""

from __future__ import annotations

from galapagos.agents.programs import dump_demos, parse_demos
from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext


class DemoMutation:
    name = "demos"

    def __init__(self, max_demos: int = 4):
        self.max_demos = max_demos

    def propose(self, ctx: ProposalContext) -> Proposal:
        comp = ctx.demo_component
        if not comp or comp not in ctx.parent.components:
            return Proposal(self.name, rejected="the task has no demonstrations component")
        demos = parse_demos(ctx.parent.components[comp]) or []
        rng = ctx.rng
        ops = ["add"] if len(demos) < 1 else ["add", "swap", "swap", "drop"]
        if len(demos) >= self.max_demos:
            ops = ["swap", "swap", "drop"]
        op = rng.choice(ops)
        used = {str(d["input"]) for d in demos}
        failed = [i for i in ctx.minibatch if ctx.results[i.id].score < 1.0
                  and str(i.input) not in used]
        fresh = [i for i in ctx.train if str(i.input) not in used]
        source = failed if failed and rng.random() < 0.5 else fresh
        if op != "drop" and not source:
            return Proposal(self.name, rejected="no unused train instance left")
        new = list(demos)
        if op == "drop":
            new.pop(rng.randrange(len(new)))
        else:
            inst = rng.choice(source)
            demo = {"input": inst.input, "output": inst.expected}
            if op == "add":
                new.insert(rng.randrange(len(new) + 1), demo)
            else:
                new[rng.randrange(len(new))] = demo
        child = Candidate({**ctx.parent.components, comp: dump_demos(new)}, (ctx.parent.id,),
                          self.name, {"op": op})
        return Proposal(self.name, child=child, note=f"{op} demo ({len(new)} now)")
