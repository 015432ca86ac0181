"""Program candidates in the loop, with a scripted LLM at the boundary: checks before
paying reject what may not change, what does not parse and what fails the smoke check,
with the reason kept; failed tries reach the next prompt; a good edit is adopted."""

from galapagos.agents.llm import FakeLLM
from galapagos.archive import Archive
from galapagos.orchestrator.runner import start_run
from tests.conftest import ROOT, toy_config

TASK = str(ROOT / "tests" / "fixtures" / "toy_program.py") + ":create"


def edit(old, new):
    return f"prog.py\n<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n"


def test_checks_before_paying_and_a_good_edit(tmp_path):
    fake = FakeLLM("coder").enqueue(
        edit("FIXED = 0", "FIXED = 1"),         # outside the evolve region
        edit("X = 1.0", "X = (1.0"),            # does not parse
        edit("X = 1.0", "X = 6.0  # BOOM"),     # fails the smoke check
        edit("X = 1.0", "X = 6.0"),             # good
        edit("X = 6.0", "X = 1.0"),             # back to the seed: tried already
        *[edit("X = 6.0", "X = 7.0")] * 5)
    out = start_run(toy_config(tmp_path, task={"name": TASK}, llm={"model": "fake/coder"},
                               proposers={"use": ["code_edit"]},
                               budget={"max_iterations": 6}))
    events = Archive(out.archive).events(out.run_id, "iteration")
    reasons = [e["data"].get("reason") for e in events]
    assert reasons[:3] == ["changes prog.py outside its EVOLVE-BLOCK-START / EVOLVE-BLOCK-END "
                           "region(s)", "prog.py does not parse: '(' was never closed (line 2)",
                           "the program mentions BOOM"]
    assert events[3]["data"]["outcome"] == "accepted"
    assert reasons[4] == "the same program or prompt was already tried in this run"
    kept = {r["candidate_id"]: r["role"] for r in Archive(out.archive).run_candidates(out.run_id)}
    for e in events[:3]:  # each child that failed a check is kept, with its reason
        assert kept[e["data"]["child"]] == "failed"
    assert "child" not in events[4]["data"]  # a repeat is not stored again
    assert set(Archive(out.archive).pool(out.run_id)).isdisjoint(
        e["data"]["child"] for e in events[:3])
    fourth = fake.calls[3][0]["content"]  # the prompt of the 4th try lists the failed ones
    assert "already tried on this program that failed" in fourth
    assert "does not parse" in fourth and "BOOM" in fourth
    a = Archive(out.archive)
    best = a.get_candidate(out.summary["best"])
    assert "X = 7.0" in best.files["prog.py"] and best.files["prog.py"].endswith("FIXED = 0\n")
    assert out.summary["val"][best.id] > out.summary["val"][out.summary["seed"]]
    assert a.metric_calls(out.run_id) <= 4 * 3 + 6 * 2 + 4 * 3  # rejected tries paid nothing


def test_literal_mutation_alone_makes_progress(tmp_path):
    out = start_run(toy_config(tmp_path, task={"name": TASK}, proposers={"use": ["literal"]},
                               selector={"kind": "dgm"}, budget={"max_iterations": 40}))
    s = out.summary
    assert s["val"][s["best"]] > s["val"][s["seed"]] + 0.1


def test_a_crash_after_propose_wrote_its_child_resumes_exactly(tmp_path, monkeypatch):
    """Propose records the child, then the process dies before the checkpoint: the re-run
    node must not take its own write for an earlier try (nor its own rejections)."""
    from galapagos.archive.store import Archive as Store
    from galapagos.orchestrator.runner import resume_run
    from tests.unit.test_loop import snapshot

    def config(d):
        return toy_config(d, task={"name": TASK}, proposers={"use": ["literal", "code_edit"]},
                          selector={"kind": "dgm"}, budget={"max_iterations": 12})

    ref = start_run(config(tmp_path / "ref"))
    real = Store.add_candidate
    crashed = []

    def add_then_die(self, run_id, cand, *, iteration, role):
        out = real(self, run_id, cand, iteration=iteration, role=role)
        if role == "proposed" and len(crashed) < 3 and iteration in (3, 6, 9):
            crashed.append(iteration)
            raise KeyboardInterrupt  # as kill -9 would, after the write, before the checkpoint
        return out

    monkeypatch.setattr(Store, "add_candidate", add_then_die)
    out = start_run(config(tmp_path / "crash"))
    while out.status == "interrupted":
        out = resume_run(out.archive, out.run_id)
    assert crashed and out.status == "finished"
    a, b = snapshot(ref.archive, ref.run_id), snapshot(out.archive, out.run_id)
    assert b["candidates"] == a["candidates"] and b["evaluations"] == a["evaluations"]
    assert b["llm"] == a["llm"] and b["events"] == a["events"]


def test_acceptance_all_keeps_every_child_that_passes_the_checks(tmp_path):
    FakeLLM("keeper").enqueue(edit("X = 1.0", "X = 0.5"), edit("X = 1.0", "X = (0.5"),
                              edit("X = 1.0", "X = 0.25"))
    out = start_run(toy_config(tmp_path, task={"name": TASK}, llm={"model": "fake/keeper"},
                               proposers={"use": ["code_edit"]}, selector={"kind": "best"},
                               loop={"acceptance": "all"}, budget={"max_iterations": 3}))
    events = Archive(out.archive).events(out.run_id, "iteration")
    assert [e["data"]["outcome"] for e in events] == ["accepted", "rejected", "accepted"]
    assert len(Archive(out.archive).pool(out.run_id)) == 3  # worse children are kept too


def test_self_modify_needs_an_agent_task(tmp_path):
    import pytest

    from galapagos.errors import ConfigError

    with pytest.raises(ConfigError, match="self_modify.*agent task"):
        start_run(toy_config(tmp_path, task={"name": TASK},
                             proposers={"use": ["self_modify"]}))
