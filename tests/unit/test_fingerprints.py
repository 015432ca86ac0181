"""The built-in tasks' fingerprints, as archives made by main hold them: a fingerprint is
part of every cached evaluation's key, so a change (a moved harness, a reworded grader)
silently re-pays every evaluation a user's archive holds. Change one only on purpose: bump
the task's grading version and update the value here (the script task hashes its own
source; its value last changed when its data moved to the grading library)."""

import importlib

import pytest

from galapagos.agents.llm import LLMClient
from galapagos.sandbox import Limits
from galapagos.tasks.protocol import TaskContext

AS_MADE = {
    ("code", ()): "code:f0d4fd2b6c90:g2:local/gemma3-270m:200",
    ("agent", ()): "agent:d3dba715ca0c:a1",
    ("training", ()): "loss:c24fa4114991:[('hidden', 16), ('n_train', 300), ('steps', 150)]",
    ("training", (("size", "large"),)):
        "loss:c24fa4114991:[('hidden', 64), ('n_train', 3000), ('steps', 1500)]",
    ("circles", ()): "circles:26:1e-09:4a26b4851cee",
    ("script", ()): "script:ab8d53abde5f:300",
}


@pytest.mark.parametrize(("task", "options"), sorted(AS_MADE))
def test_a_built_in_tasks_fingerprint_is_the_one_archives_hold(task, options):
    ctx = TaskContext(dict(options), llm=lambda model: LLMClient(model),
                      sandbox=lambda: None, limits=Limits(), run_id="r")
    made = importlib.import_module(f"galapagos.tasks.{task}").create(ctx)
    assert made.fingerprint() == AS_MADE[(task, options)]
