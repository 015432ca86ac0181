"""The strict edit parser against hostile LLM answers, and what a task allows to change."""

import pytest

from galapagos.orchestrator.proposers.edits import EditError, apply_answer, syntax_error, violation
from galapagos.tasks.protocol import Editable

FILES = {"solver.py": "import math\n\n# EVOLVE-BLOCK-START\nR = 0.1\nN = 26\n"
                      "# EVOLVE-BLOCK-END\n\ndef main():\n    return R * N\n",
         "lib/util.py": "def f():\n    return 1\n\ndef g():\n    return 1\n"}


def block(path, old, new):
    return f"{path}\n<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n"


def test_a_good_answer_applies_every_block_in_order():
    answer = ("Here is my change.\n```\n" + block("solver.py", "R = 0.1", "R = 0.12") +
              block("solver.py", "R = 0.12\nN = 26", "R = 0.125\nN = 26") + "```\n")
    out = apply_answer(answer, FILES)
    assert "R = 0.125\nN = 26" in out["solver.py"] and out["lib/util.py"] == FILES["lib/util.py"]


@pytest.mark.parametrize("answer, reason", [
    ("", "empty answer"),
    ("I think R should be bigger.", "no edit blocks"),
    (block("solver.py", "R = 0.3", "R = 0.4"), "SEARCH block 1 matches nothing in solver.py"),
    (block("lib/util.py", "    return 1", "    return 2"), "matches 2 places in lib/util.py"),
    ("solver.py\n<<<<<<< SEARCH\nR = 0.1\n=======\nR = 0.2\n", "truncated answer"),
    ("solver.py\n<<<<<<< SEARCH\nR = 0.1\n", "truncated answer"),
    (block("../etc/passwd", "root", "x"), "outside the program"),
    (block("/etc/passwd", "root", "x"), "outside the program"),
    (block("lib/../solver.py", "R = 0.1", "R = 0.2"), "outside the program"),
    (block("nope.py", "x", "y"), "nope.py, which is not in the program"),
    (block("solver.py", "R = 0.1", "R = 0.1"), "the edits change nothing"),
    (block("solver.py", "R = 0.1", "R = b'\x00\x01'"), "binary content"),
    (block("solver.py", "", "R = 1"), "empty SEARCH part"),
    ("<<<<<<< SEARCH\nR = 0.1\n=======\nR = 2\n>>>>>>> REPLACE\n", "names no file"),
    ("<<<<<<< FILE new.py\nprint(1)\n", "truncated answer"),
])
def test_hostile_answers_are_rejected_with_their_reason(answer, reason):
    with pytest.raises(EditError, match=reason.replace("(", r"\(")):
        apply_answer(answer, FILES)


def test_a_whole_file_rewrite_and_a_new_file():
    out = apply_answer("<<<<<<< FILE lib/util.py\ndef f():\n    return 2\n>>>>>>> FILE\n"
                       "<<<<<<< FILE lib/new.py\nX = 1\n>>>>>>> FILE\n", FILES)
    assert out["lib/util.py"] == "def f():\n    return 2\n" and out["lib/new.py"] == "X = 1\n"


def test_what_may_change():
    rules = Editable(paths=("solver.py",))
    inside = {**FILES, "solver.py": FILES["solver.py"].replace("R = 0.1", "R = 0.2")}
    outside = {**FILES, "solver.py": FILES["solver.py"].replace("return R * N", "return 99")}
    other = {**FILES, "lib/util.py": "x = 1\n"}
    added = {**FILES, "evil.py": "import os\n"}
    assert violation(rules, FILES, inside) is None
    assert "outside its EVOLVE-BLOCK-START / EVOLVE-BLOCK-END" in violation(rules, FILES, outside)
    assert "changes lib/util.py, which the task does not allow" in violation(rules, FILES, other)
    assert "changes evil.py" in violation(rules, FILES, added)
    no_markers = {"a.py": "x = 1\n"}
    assert violation(Editable(), no_markers, {"a.py": "y = 2\n"}) is None  # all of it may


def test_syntax_errors_name_the_file_and_line():
    bad = {**FILES, "solver.py": "def main(:\n"}
    assert syntax_error(bad, {"solver.py"}) == "solver.py does not parse: invalid syntax (line 1)"
    assert syntax_error(FILES, {"solver.py", "lib/util.py"}) is None
