"""The circle-packing program task in real Docker: the host-side grader holds against
programs that try to lie about their packing, and an LLM-free run improves on the seed."""

import json
import math

import pytest

from galapagos.archive import Archive
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.runner import start_run
from galapagos.sandbox import Limits
from galapagos.tasks.circles import SEED, CirclePacking, grade
from galapagos.tasks.protocol import Instance

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SQUARE = [[0.1 + 0.2 * (i % 5), 0.1 + 0.2 * (i // 5), 0.1] for i in range(25)]
VALID = [*SQUARE, [0.2, 0.2, 0.04]]  # 25 in a grid, one in the gap between four


def test_the_grader_checks_the_geometry_itself():
    score, feedback = grade(json.dumps(VALID), 26, 1e-9)
    assert score == pytest.approx(2.54) and feedback == "Valid packing; the radii sum to 2.540000."
    cases = {
        json.dumps(VALID[:25]): "must return 26",
        json.dumps([*SQUARE, [0.99, 0.99, 0.05]]): "Circle 25 at (0.9900, 0.9900) r=0.0500 "
                                                  "leaves the unit square",
        json.dumps([*SQUARE, [0.1, 0.1, 0.01]]): "Circles 0 and 25 overlap",
        json.dumps([*SQUARE, [0.5, 0.5, float("nan")]]): "finite numbers",
        json.dumps([*SQUARE, [0.95, 0.95, -1]]): "leaves the unit square",
        '{"score": 99}': "must return 26",
        "": "must return 26",
    }
    for text, reason in cases.items():
        score, feedback = grade(text, 26, 1e-9)
        assert score == 0.0 and reason in feedback, (text[:40], feedback)


@pytest.fixture(scope="module")
def task():
    from galapagos.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(gpus=[], pool_size=2)
    yield CirclePacking(lambda: sb, Limits(wall_s=5))
    sb.close()


def program(body):
    return {"packing.py": f"import json, os, sys\n{body}\n"}


CHEATS = {
    # prints a great-looking line of its own, then leaves before the harness prints
    "forged line": "def pack():\n    print('CIRCLES ' + json.dumps([[0.5, 0.5, 0.5]] * 26))\n"
                   "    sys.stdout.flush(); os._exit(0)",
    "score file": "open('score.txt', 'w').write('99')\nos.makedirs('out', exist_ok=True)\n"
                  "open('out/score', 'w').write('99')\ndef pack():\n    return []",
    "replaces the harness": "open('main.py', 'w').write('print(\"CIRCLES [] \")')\n"
                            "def pack():\n    return [[0.5, 0.5, 0.49]] * 26",
    "too slow": "import time\ndef pack():\n    time.sleep(30)",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_program_cannot_raise_its_score(task, name):
    res = task.evaluate(program(CHEATS[name]), task.instances()[1])
    assert res.score == 0.0, (name, res.feedback)


def test_the_seed_scores_what_its_circles_are_worth(task):
    res = task.evaluate({"packing.py": SEED.read_text()}, Instance("val-n26", "val", {}))
    circles = json.loads(res.output.removeprefix("CIRCLES "))
    assert res.score == pytest.approx(sum(c[2] for c in circles)) and res.score > 2.1
    assert all(math.isfinite(v) for c in circles for v in c)
    assert task.smoke({"packing.py": SEED.read_text()}) is None
    assert "does not import" in task.smoke(program("raise SystemExit(3)"))


def test_an_llm_free_run_improves_the_seed(tmp_path):
    cfg = load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db"), "seed": 0},
        "task": {"name": "circles", "sandbox": {"wall_s": 5}},
        "llm": {"model": "fake/deterministic"}, "selector": {"kind": "dgm"},
        "proposers": {"use": ["literal", "merge"]}, "loop": {"minibatch_size": 1},
        "budget": {"max_iterations": 60}})
    out = start_run(cfg)
    s = out.summary
    assert s["val"][s["best"]] > s["val"][s["seed"]] + 0.005
    a = Archive(out.archive)
    assert "packing.py" in a.diff(s["best"], s["seed"])
    assert a.get_candidate(s["best"]).files["packing.py"].count("EVOLVE-BLOCK") == 2
