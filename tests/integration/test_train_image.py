"""The training image: built with debootstrap like the base image (NumPy installed into
the rootfs), tagged by its recipe, kept beside the base image, and chosen per task with
[task.sandbox] image. A NumPy training script scores in it and fails, with the reason, in
the base image."""

import pytest

from galapagos.sandbox import Limits, RunRequest
from galapagos.sandbox.docker_backend import DockerSandbox
from galapagos.sandbox.images import RECIPES, image_exists
from galapagos.tasks.protocol import TaskContext
from galapagos.tasks.script import create

pytestmark = [pytest.mark.docker, pytest.mark.slow]

KNN_NUMPY = """import json, os
import numpy as np
data = json.load(open("data/train.json"))
x, y = np.array(data["x"]), np.array(data["y"])
test = np.array(json.load(open("data/test_x.json")))
d = ((test[:, None, :] - x[None, :, :]) ** 2).sum(-1)
near = y[np.argsort(d, axis=1)[:, :15]]
pred = [int(np.bincount(row, minlength=data["classes"]).argmax()) for row in near]
os.makedirs("out", exist_ok=True)
json.dump(pred, open("out/predictions.json", "w"))
"""


def script_task(image):
    sb = DockerSandbox(image, gpus=[], pool_size=1)
    return sb, create(TaskContext(options={}, llm=None, sandbox=lambda: sb,
                                  limits=Limits(wall_s=20), run_id="t"))


def test_both_images_exist_side_by_side_and_only_train_has_numpy():
    train, base = DockerSandbox("train", gpus=[]), DockerSandbox("base", gpus=[])
    try:
        assert train.image == RECIPES["train"].tag() != base.image == RECIPES["base"].tag()
        assert image_exists(base.client, train.image) and image_exists(base.client, base.image)
        probe = RunRequest(["python3", "-c", "import numpy; print(numpy.__version__)"],
                           limits=Limits(wall_s=20))
        assert train.run(probe).exit_code == 0
        missing = base.run(probe)
        assert missing.exit_code != 0 and "No module named 'numpy'" in missing.stderr
    finally:
        train.close()
        base.close()


def test_a_numpy_script_scores_in_the_train_image_and_not_in_the_base():
    for image, beats in (("train", True), ("base", False)):
        sb, task = script_task(image)
        try:
            xor = next(i for i in task.instances() if i.id == "xor-noise10")
            res = task.evaluate({"train.py": KNN_NUMPY}, xor)
        finally:
            sb.close()
        if beats:
            assert res.score > task.baselines[xor.id] + 0.3, res.feedback
        else:
            assert res.score == 0.0 and "numpy" in res.feedback
