"""GPU-seconds: recorded per evaluation (the task's ``gpu_s`` objective), summed per
candidate and per run, shown by ``show``, and budgeted with ``budget.max_gpu_s`` (a run
overshoots by at most the batch in flight; scoring test is not the search's spend)."""

from rich.console import Console

from galapagos.archive import Archive
from galapagos.orchestrator.report import run_facts, show_run
from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config


def test_a_gpu_second_budget_stops_the_run(tmp_path):
    out = start_run(toy_config(tmp_path, task={"options": {"gpu_s": 0.5}},
                               budget={"max_iterations": 50, "max_gpu_s": 10}))
    a = Archive(out.archive)
    run = a.get_run(out.run_id)
    assert run["stop_reason"].startswith("budget: GPU-seconds (")
    search = a.gpu_seconds(out.run_id, search_only=True)
    assert 10 <= search <= 10 + 0.5 * 12  # at most one val pass past the limit
    assert search == 0.5 * a.metric_calls(out.run_id, search_only=True)
    facts = run_facts(a, out.run_id)
    assert facts["gpu_s"]["total"] == out.summary["gpu_s"] > search  # test scoring too
    assert sum(facts["gpu_s"]["by_candidate"].values()) == facts["gpu_s"]["total"]
    events = a.events(out.run_id, "iteration")
    assert [e["data"]["gpu_s"] for e in events] == sorted(e["data"]["gpu_s"] for e in events)

    console = Console(record=True, width=120)
    console.print(show_run(a, out.run_id))
    assert f"│ GPU-seconds       │ {out.summary['gpu_s']:.1f} " in console.export_text()


def test_without_gpu_work_nothing_is_counted(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 2, "max_gpu_s": 0.5}))
    a = Archive(out.archive)
    assert a.get_run(out.run_id)["stop_reason"] == "budget: iterations (2 of 2)"
    assert a.gpu_seconds(out.run_id) == 0.0 and a.gpu_seconds_by_candidate(out.run_id) == {}


def test_each_evaluation_carries_the_llm_calls_it_made(tmp_path):
    out = start_run(toy_config(tmp_path, task={"options": {"ask": "fake/deterministic"}},
                               budget={"max_iterations": 2}))
    a = Archive(out.archive)
    run = a.get_run(out.run_id)
    evals = a.cached_evaluations(run["task_key"], out.summary["seed"],
                                 [f"val-{k}" for k in range(12)], "val")
    for iid, ev in evals.items():
        calls = [c for c in a.llm_calls(out.run_id)
                 if c["candidate_id"] == ev.candidate_id and c["instance_id"] == iid]
        assert ev.objectives["llm_calls"] == len(calls) == 1
        assert ev.objectives["llm_tokens"] == calls[0]["prompt_tokens"] + \
            calls[0]["completion_tokens"] > 0
        assert ev.objectives["llm_usd"] == 0.0  # a fake model costs nothing
    plain = start_run(toy_config(tmp_path / "plain", budget={"max_iterations": 1}))
    b = Archive(plain.archive)
    ev = next(iter(b.cached_evaluations(b.get_run(plain.run_id)["task_key"],
                                        plain.summary["seed"], ["val-0"], "val").values()))
    assert "llm_calls" not in ev.objectives  # no calls, nothing added
