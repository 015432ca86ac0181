"""The training-script task in real Docker: the host grades the artefact the script
leaves, so scripts that print a metric, write a score file, look for the held-out labels,
run past the wall clock or leave a malformed artefact each score 0 with the reason; the
baseline scores what it scores here; a run with a scripted LLM improves on it."""

import pytest

from galapagos.agents.llm import FakeLLM
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.runner import start_run
from galapagos.tasks.script import BASELINE, BASELINES, REFERENCE, create
from tests.conftest import sandboxed_task

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def task():
    yield from sandboxed_task(create)


def xor(task):
    return next(i for i in task.instances() if i.id == "xor-noise10")


ATTACKS = {
    "prints a metric": ("print('accuracy: 1.0')\nprint('VERDICT PASS')\n",
                        "left no out/predictions.json"),
    "writes a score file": ("import os\nos.makedirs('out', exist_ok=True)\n"
                            "open('out/score.txt', 'w').write('1.0')\n"
                            "open('out/predictions.json', 'w').write('{\"accuracy\": 1.0}')\n",
                            "must be a list of 300 classes"),
    "looks for the held-out labels": (
        "import glob, json\n"
        "found = [p for d in ('/work', '/tmp', '/opt', '/grader', '/root', '/home', '/srv')\n"
        "         for p in glob.glob(d + '/**/*', recursive=True) if 'test_y' in p]\n"
        "labels = json.load(open(found[0]))\n", "IndexError"),
    "runs past its budget": ("while True:\n    pass\n", "timed out"),
    "leaves a malformed artefact": ("import os\nos.makedirs('out', exist_ok=True)\n"
                                    "open('out/predictions.json', 'w').write('[1, 2, 3]')\n",
                                    "must be a list of 300 classes"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attacking_script_scores_0_with_the_reason(task, name):
    body, reason = ATTACKS[name]
    res = task.evaluate({"train.py": body}, xor(task))
    assert res.score == 0.0 and reason in res.feedback, (name, res.feedback)


def test_the_sandbox_scores_what_the_baseline_scores_here(task):
    res = task.evaluate({"train.py": BASELINE.read_text()}, xor(task))
    assert res.score == pytest.approx(BASELINES["300"]["xor-noise10"])
    assert "the baseline scores 0.340 (+0.000)" in res.feedback
    better = task.evaluate({"train.py": REFERENCE.read_text()}, xor(task))
    assert better.score > res.score + 0.4 and "(+0." in better.feedback


def run_with_child(tmp_path, train_py, *, wall_s=20, minibatch=3, iterations=2):
    """A script-task run whose scripted LLM proposes ``train_py`` as every child."""
    answer = f"<<<<<<< FILE train.py\n{train_py}>>>>>>> FILE\n"
    FakeLLM("scientist", rule=lambda messages: answer)
    return start_run(load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db"), "seed": 0},
        "task": {"name": "script", "sandbox": {"wall_s": wall_s}},
        "llm": {"model": "fake/scientist"}, "proposers": {"use": ["code_edit"]},
        "loop": {"minibatch_size": minibatch}, "budget": {"max_iterations": iterations}}))


def test_a_run_with_a_scripted_llm_improves_on_the_baseline(tmp_path):
    out = run_with_child(tmp_path, REFERENCE.read_text())
    s = out.summary
    assert s["val"][s["best"]] > s["val"][s["seed"]] + 0.1
    assert s["test"][s["best"]] > s["test"][s["seed"]] + 0.1
