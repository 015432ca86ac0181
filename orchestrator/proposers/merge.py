"""GEPA's system-aware merge: two frontier candidates that share an ancestor, neither
descending from the other, are combined component by component (and a program's files file
by file): where one of them kept the ancestor's text, take the other's change; where both
changed it, take the text of the one with the higher mean val score."""

from __future__ import annotations

from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext


class SystemAwareMerge:
    name = "merge"

    def propose(self, ctx: ProposalContext) -> Proposal:
        members = sorted(ctx.frontier.frequencies())
        pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
        if not pairs:
            return Proposal(self.name, rejected="fewer than two candidates on the frontier")
        ctx.rng.shuffle(pairs)
        for a, b in pairs:
            prop = self._try(ctx, a, b)
            if prop is not None:
                return prop
        return Proposal(self.name, rejected="no frontier pair with a common ancestor whose "
                        "merge differs from both (they changed the same components)")

    def _try(self, ctx: ProposalContext, a: str, b: str) -> Proposal | None:
        anc_a, anc_b = ctx.lineage(a), ctx.lineage(b)
        if a in anc_b or b in anc_a:
            return None
        common = [x for x in anc_a if x in set(anc_b)]
        if not common:
            return None
        ancestor = common[0]
        key = f"{a}+{b}@{ancestor}"
        if key in ctx.tried:
            return None
        pa, pb, po = (ctx.get_candidate(x) for x in (a, b, ancestor))
        a_first = ctx.frontier.means.get(a, 0) >= ctx.frontier.means.get(b, 0)
        child = Candidate(_merge(pa.components, pb.components, po.components, a_first),
                          (a, b), self.name, {"ancestor": ancestor},
                          _merge(pa.files, pb.files, po.files, a_first))
        if child.id in (a, b):
            ctx.tried.add(key)
            return None
        return Proposal(self.name, child=child, note=f"merged {a[:8]}+{b[:8]}", remember=key)


def _merge(ca: dict[str, str], cb: dict[str, str], co: dict[str, str],
           a_first: bool) -> dict[str, str]:
    """Component by component (or file by file): the side that changed it wins; where both
    changed it, the better parent's version."""
    merged = {}
    for name in sorted(set(ca) | set(cb)):
        va, vb, vo = ca.get(name), cb.get(name), co.get(name)
        value = vb if va == vo else va if vb == vo else (va if a_first else vb)
        if value is not None:  # a file one side deleted stays deleted
            merged[name] = value
    return merged
