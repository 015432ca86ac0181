"""Candidates that keep the sandbox's process limit full until their wall clock (a fork
bomb, a thread bomb), in real Docker: each scores 0 with the reason, the container is
cleaned and used again (the next candidate scores what it scores), and a run whose child
is a bomb finishes. Before the supervisor killed the job's processes itself, it had to
fork a helper to do so, found no free pid, and the run stopped as an infrastructure
fault that ``resume`` repeated."""

import pytest

from galapagos.archive import Archive
from galapagos.tasks.script import BASELINE, BASELINES, create
from tests.conftest import sandboxed_task
from tests.integration.test_script_task import run_with_child, xor

pytestmark = [pytest.mark.docker, pytest.mark.slow]

BOMBS = {
    "fork bomb": (
        "import os, time\n"
        "end = time.time() + 120\n"
        "while time.time() < end:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        time.sleep(0.005)\n"),
    "thread bomb": (
        "import threading, time\n"
        "end = time.time() + 120\n"
        "while time.time() < end:\n"
        "    try:\n"
        "        threading.Thread(target=time.sleep, args=(120,), daemon=True).start()\n"
        "    except RuntimeError:\n"
        "        time.sleep(0.005)\n"),
}


@pytest.fixture(scope="module")
def script():
    yield from sandboxed_task(create, wall_s=3.0)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_bomb_in_a_training_script_scores_0_and_the_sandbox_goes_on(script, name):
    res = script.evaluate({"train.py": BOMBS[name]}, xor(script))
    assert res.score == 0.0 and "timed out" in res.feedback, res.feedback
    after = script.evaluate({"train.py": BASELINE.read_text()}, xor(script))
    assert after.score == pytest.approx(BASELINES["300"]["xor-noise10"])


def test_a_run_whose_child_is_a_bomb_finishes(tmp_path):
    out = run_with_child(tmp_path, BOMBS["fork bomb"], wall_s=3, minibatch=2, iterations=1)
    assert out.status == "finished", out
    archive = Archive(tmp_path / "a.db")
    run = archive.get_run(out.run_id)
    children = [c for c in archive.pool(out.run_id) if c != run["seed_candidate"]]
    rows = archive.db.execute("select score, feedback from evaluations where candidate_id "
                              "!= ?", [run["seed_candidate"]]).fetchall()
    assert rows and all(score == 0.0 and "timed out" in fb for score, fb in rows), rows
    assert not children  # scored 0 on its minibatch: not accepted


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from galapagos.agents.llm import LLMClient
    from galapagos.archive import Archive
    from galapagos.sandbox import Limits
    from galapagos.sandbox.docker_backend import DockerSandbox
    from galapagos.tasks import TaskContext
    from tests.fixtures import agent_oracle

    archive = Archive(tmp_path_factory.mktemp("agent") / "a.db")
    sb = DockerSandbox(gpus=[], pool_size=2)
    yield agent_oracle.create(TaskContext(
        options={"only": ["repo/slugify"], "functions": ""}, run_id="r",
        llm=lambda m: LLMClient(m, log=archive, run_id="r"), sandbox=lambda: sb,
        limits=Limits(wall_s=3.0)))
    sb.close()


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_bomb_in_an_agent_scores_0_and_the_sandbox_goes_on(agent, name):
    from galapagos.agents.llm import scope

    inst = next(i for i in agent.instances() if i.id == "repo/slugify")
    seed = agent.seed_files()
    with scope.evaluation("bomb", inst.id):
        res = agent.evaluate({**seed, "agent.py": BOMBS[name]}, inst)
    assert res.score == 0.0, res.feedback
    with scope.evaluation("seed", inst.id):
        assert agent.evaluate(seed, inst).score == 1.0
