"""LLM-free mutations of program candidates (what demo mutation is for prompts): perturb
one numeric literal, or flip one comparison between strict and not, in a Python file the
task allows to change and inside its evolve regions. Every child parses; a run makes
progress even with a model that writes no useful code."""

from __future__ import annotations

import ast
import fnmatch
import io
import math
import random
import tokenize

from galapagos.archive import Candidate
from galapagos.orchestrator.proposers.base import Proposal, ProposalContext
from galapagos.tasks.protocol import Editable

FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


class LiteralMutation:
    name = "literal"

    def propose(self, ctx: ProposalContext) -> Proposal:
        rules = ctx.editable or Editable()
        paths = sorted(p for p in ctx.parent.files if p.endswith(".py") and
                       any(fnmatch.fnmatchcase(p, g) for g in rules.paths))
        sites = [(p, s) for p in paths for s in mutation_sites(ctx.parent.files[p], rules)]
        if not sites:
            return Proposal(self.name, rejected="no numeric literal or comparison to mutate")
        path, site = ctx.rng.choice(sites)
        text, what = mutate(ctx.parent.files[path], site, ctx.rng)
        child = Candidate(dict(ctx.parent.components), (ctx.parent.id,), self.name,
                          {"file": path, "mutation": what}, {**ctx.parent.files, path: text})
        return Proposal(self.name, child=child, note=f"{path}: {what}")


def mutation_sites(text: str, rules: Editable) -> list[tuple[str, int, int, int, int]]:
    """(kind, line, col, end_line, end_col) of each literal and comparison operator."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    allowed = _allowed_lines(text, rules)
    sites = [("num", n.lineno, n.col_offset, n.end_lineno or n.lineno, n.end_col_offset or 0)
             for n in ast.walk(tree) if isinstance(n, ast.Constant)
             and type(n.value) in (int, float) and math.isfinite(n.value)]
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP and tok.string in FLIP:
            sites.append(("cmp", *tok.start, *tok.end))
    return sorted(s for s in sites if s[1] in allowed and s[3] in allowed)


def _allowed_lines(text: str, rules: Editable) -> set[int]:
    lines = text.splitlines()
    if not (rules.start and rules.end) or rules.start not in text:
        return set(range(1, len(lines) + 1))
    allowed, inside = set(), False
    for n, line in enumerate(lines, 1):
        if rules.start in line or rules.end in line:
            inside = rules.start in line
        elif inside:
            allowed.add(n)
    return allowed


def mutate(text: str, site: tuple[str, int, int, int, int], rng: random.Random
           ) -> tuple[str, str]:
    kind, line, col, end_line, end_col = site
    lines = text.splitlines(keepends=True)
    start = sum(len(x) for x in lines[:line - 1]) + col
    end = sum(len(x) for x in lines[:end_line - 1]) + end_col
    old = text[start:end]
    new = FLIP[old] if kind == "cmp" else _number(ast.literal_eval(old), rng)
    return text[:start] + new + text[end:], f"{old} -> {new} (line {line})"


def _number(value: float, r: random.Random) -> str:
    if isinstance(value, int):
        step = r.choice([-2, -1, 1, 2]) if abs(value) < 20 else round(value * r.gauss(0, 0.1))
        new: float = value + (step or 1)
    else:
        mode = r.random()
        new = (value * (1 + r.gauss(0, 0.05)) if mode < 0.7 else
               value + r.gauss(0, 0.01) if mode < 0.9 else value * r.choice([0.5, 2.0]))
        new = float(f"{new:.6g}")
    return f"({new!r})" if new < 0 else repr(new)
