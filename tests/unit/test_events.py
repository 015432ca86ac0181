"""Typed events (issue 21.1): one frozen dataclass per kind, written to the archive as JSON
and read back as the same class; archives written by the previous main read typed too, and
STOP finds the meta-prompt of a rejected proposal in a field, not in the note's text."""

import shutil

import pytest

from galapagos.archive import (Archive, BestImproved, IterationEnded, RunEvent, RunFinished,
                               SeedScored)
from galapagos.archive.events import read_event
from galapagos.orchestrator.proposers.self_taught import SelfImproving
from galapagos.orchestrator.runner import Hooks, resume_run, start_run
from tests.conftest import ROOT, toy_config

PREVIOUS = ROOT / "tests" / "fixtures" / "archives" / "main-797094a.db"


def test_each_kind_reads_back_as_written(archive):
    archive.create_run("r", task="t", task_key="k", seed=0, config={})
    written = [SeedScored("r", 0, "s", 0.25),
               IterationEnded("r", 1, "rejected", "s", "stop", 12, 0.01, 30, 0.0, 1.5, 1, 0.25,
                              child="c", parent_mb=1.0, child_mb=1.0, note="rewrote x",
                              meta_prompt="m0123456789", reason="not better on the minibatch"),
               IterationEnded("r", 2, "accepted", "s", "demos", 40, val=0.5, new_best=True,
                              child="d", parent_mb=0.0, child_mb=2.0),
               BestImproved("r", 2, "d", 0.5),
               RunFinished("r", 2, "budget: iterations (2 of 2)", {"best": "d", "val": {}})]
    for n, event in enumerate(written):
        assert archive.emit(event, f"k{n}")
    read = [*archive.run_events("r", SeedScored), *archive.iterations("r"),
            *archive.run_events("r", BestImproved), *archive.run_events("r", RunFinished)]
    assert read == written
    assert archive.iterations("r", after=1) == written[2:3]
    assert archive.iterations("r", parent="s") == written[1:3]
    assert "stage" not in archive.events("r", "iteration")[0]["data"]  # None: not written


def test_old_and_unknown_payloads_read_without_failing():
    old = read_event("iteration", "r", 3, {"outcome": "rejected", "note": "rewrote a "
                     "(m0c3b815ff1)", "retired_key": 1})
    assert isinstance(old, IterationEnded) and old.meta_prompt == "m0c3b815ff1"
    assert old.best_val == 0.0 and old.minibatch == "-"
    newer = read_event("island_migrated", "r", 4, {"from": 1})
    assert type(newer) is RunEvent and newer.iteration == 4


def test_events_are_frozen():
    with pytest.raises(AttributeError):
        SeedScored("r", 0, "s", 0.1).val = 1.0  # type: ignore[misc]


def test_an_archive_of_the_previous_main_reads_typed_and_resumes(tmp_path, monkeypatch):
    """main-797094a.db: a toy run (stop, reflective, demos, merge; 10 iterations) written by
    main at commit 797094a, before events were typed."""
    path = tmp_path / "old.db"
    shutil.copy(PREVIOUS, path)
    a = Archive(path)
    run = a.list_runs()[0]
    raw = a.events(run["id"], "iteration")
    records = a.iterations(run["id"])
    assert [r.iteration for r in records] == [e["iteration"] for e in raw] == list(range(1, 11))
    for r, e in zip(records, raw, strict=True):
        assert {k: v for k, v in r.data().items() if k != "meta_prompt"} == e["data"]
    assert {r.meta_prompt for r in records if r.proposer == "stop" and r.note} == {
        "m0c3b815ff1"}  # read from the old note
    a.close()
    monkeypatch.chdir(ROOT)  # the run's task path is relative to the repository
    out = resume_run(path, run["id"], {"budget.max_iterations": 13})
    assert out.status == "finished" and out.summary["iterations"] == 13
    assert len(Archive(path).iterations(run["id"])) == 13


def test_a_new_run_records_the_meta_prompt_in_a_field(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 10}, proposers={
        "use": ["stop", "reflective"], "stop": {"every": 2}}))
    records = Archive(out.archive).iterations(out.run_id)
    rejected = [r for r in records if r.outcome == "rejected" and not r.child]
    assert rejected and all(r.meta_prompt for r in rejected if r.note)


def test_stop_scores_a_meta_prompt_from_the_field_whatever_the_note_says(archive):
    stop = SelfImproving(reflective=None, archive=archive)  # type: ignore[arg-type]
    history = [IterationEnded("r", 1, "rejected", "p", "stop", note="answer was empty",
                              meta_prompt="m0000000001"),
               IterationEnded("r", 2, "rejected", "p", "reflective", meta_prompt="m0000000002")]
    assert stop._gains(history) == {"m0000000001": [0.0]}  # its own proposals only


def test_listeners_get_typed_events(tmp_path):
    hooks = Hooks()
    got: list[RunEvent] = []
    hooks.bus.subscribe(got.append)
    start_run(toy_config(tmp_path, budget={"max_iterations": 3}), hooks)
    kinds = [type(e) for e in got]
    assert kinds[0] is SeedScored and kinds[-1] is RunFinished
    assert kinds.count(IterationEnded) == 3
    assert got[-1].summary["iterations"] == 3  # type: ignore[attr-defined]
