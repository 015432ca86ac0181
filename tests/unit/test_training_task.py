"""The loss-discovery task without Docker: the trainer (the hidden check) run in this
process with the loss called directly; every shipped seed's gradient is its loss's
derivative; the trainer refuses malformed answers with a score of 0 and the reason."""

import contextlib
import importlib.util
import io
import random

import pytest

from galapagos.errors import TaskError
from galapagos.tasks.protocol import TaskContext
from galapagos.tasks.training import SEEDS, TRAINER, create
from galapagos.tasks.grading.points import INSTANCES, make


def load(path):
    spec = importlib.util.spec_from_file_location("loss", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loss


def train(loss, name="blobs", noise=0.3, steps=150):
    """The verdict line the trainer prints, with ``loss`` answering its calls."""
    data, k = make(name, noise, 300, 300)
    scope = {"DATA": data, "CONFIG": {"seed": 0, "classes": k, "hidden": 16, "steps": steps,
                                      "batch": 32, "lr": 0.05}}
    exec(compile(TRAINER.read_text(), "trainer.py", "exec"), scope)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        scope["check"](lambda name, *args: loss(*args))
    return out.getvalue().strip()


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_each_seeds_gradient_is_its_derivative(seed):
    loss, rng, eps = load(SEEDS[seed]), random.Random(1), 1e-6
    logits = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(4)]
    labels = [0, 2, 1, 2]
    _, grad = loss(logits, labels)
    for n in range(4):
        for j in range(3):
            up = [r[:] for r in logits]
            up[n][j] += eps
            down = [r[:] for r in logits]
            down[n][j] -= eps
            numeric = (loss(up, labels)[0] - loss(down, labels)[0]) / (2 * eps)
            assert grad[n][j] == pytest.approx(numeric, abs=1e-5), (seed, n, j)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_each_seed_learns(seed):
    line = train(load(SEEDS[seed]))
    assert line.startswith("VERDICT SCORE ")
    assert float(line.split()[2]) > 0.8  # three blobs: chance is a third
    untrained = float(train(lambda lg, lb: (0.0, [[0.0] * 3 for _ in lg])).split()[2])
    assert float(line.split()[2]) > untrained + 0.2


BAD = {
    "no pair": lambda lg, lb: 1.0,
    "short gradient": lambda lg, lb: (0.0, [[0.0] * 3]),
    "ragged gradient": lambda lg, lb: (0.0, [[0.0] * 2 for _ in lg]),
    "not numbers": lambda lg, lb: (0.0, [["a"] * 3 for _ in lg]),
    "nan": lambda lg, lb: (0.0, [[float("nan")] * 3 for _ in lg]),
    "infinite value": lambda lg, lb: (float("inf"), [[0.0] * 3 for _ in lg]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_malformed_answer_scores_0_with_the_reason(name):
    line = train(BAD[name])
    assert line.startswith("VERDICT SCORE 0 at step 0 loss() returned"), line


def test_instances_are_fixed_and_noisy_only_where_trained():
    data, k = make("spirals", 0.3, 300, 300)
    again, _ = make("spirals", 0.3, 300, 300)
    assert data == again and k == 3
    clean, _ = make("spirals", 0.0, 300, 300)
    flipped = sum(a != b for a, b in zip(data["train"][1], clean["train"][1], strict=True))
    assert 60 < flipped < 120 and data["heldout"] == clean["heldout"]
    assert {s for *_, s in INSTANCES} == {"train", "val", "test"}


def test_options_are_checked():
    def ctx(**options):
        return TaskContext(options=options, llm=None, sandbox=None, limits=None, run_id="r")
    task = create(ctx(seed="focal", steps=10))
    assert "GAMMA" in task.seed_files()["loss.py"] and task.config["steps"] == 10
    assert len(task.instances()) == len(INSTANCES)
    with pytest.raises(TaskError, match="neither a shipped seed"):
        create(ctx(seed="nope"))
    with pytest.raises(TaskError, match="Unknown loss task size 'huge'"):
        create(ctx(size="huge"))
    with pytest.raises(TaskError, match="Unknown loss task option"):
        create(ctx(epochs=3))
