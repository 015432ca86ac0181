"""Fingerprints of a caller's scoring function and data (issue 23.2): the same in every
process, blind to comments, changed by an edit of the function, of a helper it calls or of
a constant it reads."""

import subprocess
import sys
import types

from galapagos.tasks.digest import data_digest, function_digest

BASE = '''
LIMIT = 3

def helper(x):
    return x * 2

def score(candidate, example):
    return float(helper(len(candidate)) > LIMIT)
'''


def digest_of(source: str) -> str:
    module = types.ModuleType("user_code")
    exec(compile(source, "user_code.py", "exec"), module.__dict__)  # noqa: S102
    module.score.__module__ = "user_code"
    module.helper.__module__ = "user_code"
    return function_digest(module.score)


def test_a_comment_or_blank_line_keeps_the_digest():
    noted = BASE.replace("    return x * 2", "    # doubled\n\n    return x * 2  # twice")
    assert digest_of(BASE) == digest_of("# a note\n\n" + noted)


def test_an_edited_function_helper_or_constant_changes_it():
    d = digest_of(BASE)
    assert digest_of(BASE.replace("> LIMIT", ">= LIMIT")) != d
    assert digest_of(BASE.replace("x * 2", "x * 3")) != d
    assert digest_of(BASE.replace("LIMIT = 3", "LIMIT = 4")) != d


def test_a_counter_in_a_closure_does_not_change_it_as_it_counts():
    calls = [0]

    def score(c, e):
        calls[0] += 1
        return 1.0

    before = function_digest(score)
    score("a", "b")
    assert function_digest(score) == before


class Ex:
    def __init__(self, q):
        self.q = q


def test_digests_are_the_same_in_another_process():
    code = ("from galapagos.tasks.digest import data_digest as d\n"
            "class Ex:\n    def __init__(s, q): s.q = q\n"
            "print(d([{'q': 1, 'a': (2, 3)}, Ex('x')]))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert other.stdout.strip() == data_digest([{"q": 1, "a": (2, 3)}, Ex("x")])
    assert data_digest([{"q": 1}]) != data_digest([{"q": 2}])
