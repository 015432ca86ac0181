"""LLM-free program mutations: always parseable, only where the task allows, seeded."""

import ast
import random

from galapagos.orchestrator.proposers.literal import mutate, mutation_sites
from galapagos.tasks.protocol import Editable

PROGRAM = '''import math

def frozen():
    return 3.5 if 1 < 2 else -7

# EVOLVE-BLOCK-START
RINGS = [8, 17]
OFFSET = -0.25
def layout(n, scale=1e-3):
    pts = [(0.5 + 0.3 * math.cos(k), 0.5 + 0.3 * math.sin(k)) for k in range(n)]
    return [p for p in pts if p[0] >= 0.0 and p[1] <= 1.0 and n > 0x10]
# EVOLVE-BLOCK-END
'''


def test_thousands_of_random_draws_keep_the_program_parseable():
    rng, text, changed = random.Random(0), PROGRAM, 0
    for _ in range(3000):
        sites = mutation_sites(text, Editable())
        new, _ = mutate(text, rng.choice(sites), rng)
        ast.parse(new)  # raises if any draw broke the program
        changed += new != text
        text = new
    assert changed >= 2900
    head, tail = PROGRAM.split("# EVOLVE-BLOCK-START")
    assert text.startswith(head)  # nothing outside the region ever changed
    assert text.count("\n") == PROGRAM.count("\n")


def test_sites_are_inside_the_region_only():
    sites = mutation_sites(PROGRAM, Editable())
    lines = {s[1] for s in sites}
    assert min(lines) == 7 and max(lines) == 11
    kinds = {s[0] for s in sites}
    assert kinds == {"num", "cmp"}
    assert not mutation_sites(PROGRAM.replace("def frozen", "def broken("), Editable())


def test_a_draw_is_a_function_of_the_seed():
    site = mutation_sites(PROGRAM, Editable())[0]
    a = mutate(PROGRAM, site, random.Random(5))
    assert a == mutate(PROGRAM, site, random.Random(5)) and a[0] != PROGRAM
