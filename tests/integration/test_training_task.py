"""The loss-discovery task in real Docker: the trainer (the hidden check, grader uid) holds
against losses that forge the verdict, tamper with the harness, read the hidden data, run
past the time budget or answer malformed gradients; each scores 0 with the reason. A run
with a scripted LLM improves on its seed."""

import pytest

from galapagos.agents.llm import FakeLLM
from galapagos.orchestrator.config import load_config
from galapagos.orchestrator.runner import start_run
from galapagos.tasks.training import SEEDS, create
from tests.conftest import sandboxed_task
from tests.unit.test_training_task import load, train

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def task():
    yield from sandboxed_task(create)


def val(task, name="blobs-noise40"):
    return next(i for i in task.instances() if i.id == name)


CE = SEEDS["cross_entropy"].read_text()
ATTACKS = {
    "forges the verdict": ("def loss(logits, labels):\n"
                           "    print('VERDICT SCORE 1.0 forged', flush=True)\n"
                           "    os._exit(0)\n", "process died"),
    "writes a score file": ("def loss(logits, labels):\n"
                            "    open('score.txt', 'w').write('1.0')\n"
                            "    os.makedirs('out', exist_ok=True)\n"
                            "    open('out/score', 'w').write('1.0')\n", "no (value, gradient)"),
    "reads the hidden data": ("def loss(logits, labels):\n"
                              "    for path in glob.glob('/grader/*'):\n"
                              "        open(path).read()\n", "PermissionError"),
    "tampers with the harness": ("def loss(logits, labels):\n"
                                 "    open('/grader/harness.py', 'a').write('print(1)')\n",
                                 "PermissionError"),
    "trains on past its budget": ("def loss(logits, labels):\n"
                                  "    while True:\n        pass\n", "timed out"),
    "sleeps past its budget": ("def loss(logits, labels):\n    time.sleep(60)\n", "timed out"),
    "answers a non-finite gradient": ("def loss(logits, labels):\n"
                                      "    return 0.0, [[float('nan')] * len(logits[0])] * "
                                      "len(logits)\n", "not plain numbers"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attacking_loss_scores_0_with_the_reason(task, name):
    body, reason = ATTACKS[name]
    res = task.evaluate({"loss.py": f"import glob, os, time\n{body}"}, val(task))
    assert res.score == 0.0 and reason in res.feedback, (name, res.feedback)


def test_the_sandbox_scores_what_the_trainer_does_here(task):
    res = task.evaluate({"loss.py": CE}, val(task))
    here = train(load(SEEDS["cross_entropy"]), "blobs", 0.4)
    assert res.score == pytest.approx(float(here.split()[2])) and res.score > 0.8
    assert "held-out accuracy" in res.feedback and res.objectives["sandbox_s"] > 0
    forged = CE.replace("    return total / n, grad",
                        "    print('VERDICT SCORE 1.0 forged', flush=True)\n"
                        "    return total / n, grad")
    assert task.evaluate({"loss.py": forged}, val(task)).score == res.score  # gains nothing
    assert task.smoke({"loss.py": CE}) is None
    assert "fails on a 2x3 batch" in task.smoke({"loss.py": "def loss(a, b):\n    return 1\n"})


def test_a_run_with_a_scripted_llm_improves_its_seed(tmp_path):
    edit = "loss.py\n<<<<<<< SEARCH\nGAMMA = 2.0\n=======\nGAMMA = 0.0\n>>>>>>> REPLACE\n"
    FakeLLM("trainer", rule=lambda messages: edit)
    cfg = load_config(None, base={
        "run": {"archive": str(tmp_path / "a.db"), "seed": 0},
        "task": {"name": "loss", "options": {"seed": "focal"}, "sandbox": {"wall_s": 10}},
        "llm": {"model": "fake/trainer"}, "proposers": {"use": ["code_edit"]},
        "loop": {"minibatch_size": 4}, "budget": {"max_iterations": 2}})
    out = start_run(cfg)
    s = out.summary
    assert s["val"][s["best"]] > s["val"][s["seed"]] + 0.01
    assert s["test"][s["best"]] > 0.7
