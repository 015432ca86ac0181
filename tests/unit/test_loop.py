"""The loop end to end with the toy task and fake LLMs (fakes only at the LLM boundary)."""

import litellm
import pytest

from galapagos.agents.llm import FakeLLM
from galapagos.archive import Archive
from galapagos.errors import InfrastructureError, LLMAuthError, TaskError, TaskNotFound
from galapagos.orchestrator.runner import Hooks, resume_run, start_run
from tests.conftest import toy_config


def snapshot(path, run_id):
    """What a run paid for and decided, without timestamps or durations."""
    a = Archive(path)
    return {
        "candidates": sorted((r["candidate_id"], r["role"], r["iteration"], r["proposer"])
                             for r in a.run_candidates(run_id)),
        "evaluations": sorted(tuple(r) for r in a.db.execute(
            "select candidate_id, instance_id, split, score, feedback from evaluations "
            "where run_id = ?", [run_id]).fetchall()),
        "llm": sorted(((r["cache_key"] or "").split(":", 1)[-1], r["response"])
                      for r in a.llm_calls(run_id) if r["error"] is None),
        "events": [(e["key"], e["data"].get("outcome"), e["data"].get("child"))
                   for e in a.events(run_id)],
        "best": a.get_run(run_id)["best_candidate"],
    }


def test_run_improves_over_seed_and_scores_test(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 20}))
    s = out.summary
    assert out.status == "finished" and "iterations (20 of 20)" in out.stop_reason
    assert s["val"][s["best"]] > s["val"][s["seed"]]
    assert s["test"][s["best"]] > s["test"][s["seed"]] == 0.0


def paid(ledger):
    """Evaluations the task actually ran (one ledger line each), as (candidate, instance)."""
    return ledger.read_text().splitlines() if ledger.exists() else []


def spy_llm(name, n=200):
    fake = FakeLLM(name)
    fake.enqueue(*[f"say word{i} please\n```" for i in range(n)])
    return fake


def test_no_evaluation_or_llm_call_is_paid_twice(tmp_path):
    ledger, fake = tmp_path / "paid.txt", spy_llm("payonce")
    out = start_run(toy_config(tmp_path, task={"options": {"ledger": str(ledger)}},
                               llm={"model": "fake/payonce"}, budget={"max_iterations": 25}))
    a = Archive(out.archive)
    runs = paid(ledger)
    assert len(runs) == a.db["evaluations"].count > 100   # every task call, stored once
    assert len(set(runs)) == len(runs)                    # and none of them made twice
    answered = [r for r in a.llm_calls(out.run_id) if r["error"] is None]
    assert len(fake.calls) == len(answered) > 5           # every LLM call made was logged


def test_test_split_never_reaches_a_proposer(tmp_path):
    fake = FakeLLM("spy")
    fake.enqueue(*["nothing more\n```"] * 50)
    cfg = toy_config(tmp_path, llm={"model": "fake/spy"},
                     proposers={"use": ["reflective", "demos"]},
                     budget={"max_iterations": 15})
    start_run(cfg)
    prompts = " ".join(m["content"] for call in fake.calls for m in call)
    assert fake.calls and "(train" in prompts
    assert "(test" not in prompts and "(val" not in prompts


def test_resume_after_stop_equals_uninterrupted(tmp_path):
    (tmp_path / "ref").mkdir()
    (tmp_path / "part").mkdir()
    ref_ledger, ledger = tmp_path / "ref" / "paid.txt", tmp_path / "part" / "paid.txt"
    ref = start_run(toy_config(tmp_path / "ref", task={"options": {"ledger": str(ref_ledger)}},
                               budget={"max_iterations": 18}))
    part = start_run(toy_config(tmp_path / "part", task={"options": {"ledger": str(ledger)}},
                                budget={"max_iterations": 7}))
    resumed = resume_run(part.archive, part.run_id, {"budget.max_iterations": 18})
    a, b = snapshot(ref.archive, ref.run_id), snapshot(part.archive, part.run_id)
    assert a["candidates"] == b["candidates"] and a["evaluations"] == b["evaluations"]
    assert a["llm"] == b["llm"] and a["best"] == b["best"]
    assert resumed.summary["best"] == ref.summary["best"]
    # the stopped run scored its best on test at its finish; apart from that, what the
    # resumed run paid for equals what the uninterrupted run paid for, nothing twice
    extra = [ln for ln in paid(ledger) if ln not in paid(ref_ledger)]
    assert all(ln.split()[1].startswith("test-") for ln in extra)
    assert len(set(paid(ledger))) == len(paid(ledger))


def test_one_instance_raising_scores_zero_with_feedback(tmp_path):
    out = start_run(toy_config(tmp_path, task={"options": {"fail_on": "val-3"}},
                               budget={"max_iterations": 3}))
    a = Archive(out.archive)
    row = a.db.execute("select score, feedback, error from evaluations where instance_id = "
                       "'val-3' limit 1").fetchone()
    assert row[0] == 0.0 and "toy evaluator broke on val-3" in row[1] and row[2]
    assert out.status == "finished"


def test_evaluator_raising_everywhere_stops_cleanly_and_resumably(tmp_path):
    cfg = toy_config(tmp_path, task={"options": {"fail_on": "*"}})
    with pytest.raises(TaskError, match="raised for every instance.*galapagos resume"):
        start_run(cfg)
    a = Archive(cfg.run.archive)
    run = a.list_runs()[0]
    assert run["status"] == "failed" and a.db["evaluations"].count == 0


@pytest.mark.parametrize("attack", ["DEEP-INPUT", "DEEP-TRACE"])
def test_a_hostile_candidates_output_is_its_fault_and_the_run_goes_on(tmp_path, attack):
    """Output nested past Python's stack, lone surrogates: a score of 0 for that child,
    stored, and the run finishes (it used to stop as failed, and resume failed the same)."""
    FakeLLM("hostile").enqueue(*[f"```\n{attack} alpha\n```"] * 3, *["```\nalpha\n```"] * 20)
    cfg = toy_config(tmp_path, llm={"model": "fake/hostile"},
                     proposers={"use": ["reflective"]}, budget={"max_iterations": 4})
    out = start_run(cfg)
    assert out.status == "finished", out.stop_reason
    a = Archive(out.archive)
    rows = a.db.execute("select c.components, e.score, e.feedback, e.trace from evaluations e "
                        "join candidates c on c.id = e.candidate_id").fetchall()
    hostile = [r for r in rows if attack in r[0]]
    assert hostile and all(r[1] == 0.0 for r in hostile)
    if attack == "DEEP-TRACE":
        assert "bad \ufffd name" in hostile[0][2] and "too deep" in hostile[0][3]


def test_backend_down_then_fixed_then_resume(tmp_path, monkeypatch):
    """A ConnectionError of the task's backend is the machinery's fault: never a score."""
    cfg = toy_config(tmp_path, budget={"max_iterations": 6})
    monkeypatch.setenv("TOY_BROKEN", "1")
    with pytest.raises(InfrastructureError, match="3 tries: ConnectionError: toy backend "
                       "unreachable.*galapagos resume"):
        start_run(cfg)
    a = Archive(cfg.run.archive)
    run = a.list_runs()[0]
    assert run["status"] == "failed" and a.db["evaluations"].count == 0
    assert len(a.eval_errors(run["id"])) == 3  # one instance, three tries, then the stop
    monkeypatch.delenv("TOY_BROKEN")
    out = resume_run(cfg.run.archive, run["id"])
    assert out.status == "finished" and out.summary["iterations"] == 6


def test_transient_infra_fault_is_retried_never_scored(tmp_path):
    ledger = tmp_path / "paid.txt"
    out = start_run(toy_config(tmp_path, task={"options": {"flaky": "val-0",
                                                           "ledger": str(ledger)}},
                               budget={"max_iterations": 2}))
    a = Archive(out.archive)
    errors = a.eval_errors(out.run_id)
    assert [(e["instance_id"], e["attempt"]) for e in errors] == [("val-0", 1)]
    assert "transient" in errors[0]["error"]
    seed = a.get_run(out.run_id)["seed_candidate"]
    row = a.db.execute("select score, error from evaluations where candidate_id = ? and "
                       "instance_id = 'val-0'", [seed]).fetchone()
    assert row == (0.0, None)  # the seed's honest score on val-0, not the fault
    assert [ln.split()[1] for ln in paid(ledger)].count("val-0") >= 2


def test_persistent_infra_fault_stops_and_resume_redoes_exactly_those(tmp_path, monkeypatch):
    ledger = tmp_path / "paid.txt"
    cfg = toy_config(tmp_path, task={"options": {"ledger": str(ledger)}},
                     budget={"max_iterations": 4})
    monkeypatch.setenv("TOY_INFRA_DOWN", "val-5")
    with pytest.raises(InfrastructureError, match="on val-5 \\(val\\), 3 tries: docker exec"):
        start_run(cfg)
    a = Archive(cfg.run.archive)
    run_id = a.list_runs()[0]["id"]
    stored = {r[0] for r in a.db.execute("select instance_id from evaluations")}
    assert stored == {f"val-{k}" for k in range(5)}  # kept; the batch halted at the fault
    assert [e["attempt"] for e in a.eval_errors(run_id)] == [1, 2, 3]
    before = len(paid(ledger))
    monkeypatch.delenv("TOY_INFRA_DOWN")
    out = resume_run(cfg.run.archive, run_id)
    assert out.status == "finished"
    redone = paid(ledger)[before:]
    seed_hash = redone[0].split()[0]
    assert [ln.split()[1] for ln in redone if ln.split()[0] == seed_hash and "val-" in ln] \
        == [f"val-{k}" for k in range(5, 12)]  # the failed one and those never started


def test_budget_stop_inside_an_iteration_then_resume_finishes_it(tmp_path):
    """A metric budget that runs out inside an iteration (after a child beat its parent on
    the minibatch, before its validation; or earlier): resume with more budget finishes
    that iteration, and the run ends as if it had never stopped."""
    ref = start_run(toy_config(tmp_path / "ref", budget={"max_iterations": 10}))
    a = snapshot(ref.archive, ref.run_id)
    accepted = {c[0] for c in a["candidates"] if c[1] == "accepted"}
    no_test = lambda evs: [e for e in evs if e[2] != "test"]  # noqa: E731
    before_validate = 0
    spent = len(no_test(a["evaluations"]))  # what the whole run pays, test scoring aside
    for max_calls in range(20, spent, 3):
        d = tmp_path / str(max_calls)
        part = start_run(toy_config(d, budget={"max_iterations": 10,
                                               "max_metric_calls": max_calls}))
        assert "budget: metric calls" in part.stop_reason
        dangling = {r["candidate_id"] for r in Archive(part.archive).run_candidates(
            part.run_id) if r["role"] == "proposed"}
        before_validate += bool(dangling & accepted)  # stopped between child_eval, validate
        resume_run(part.archive, part.run_id, {"budget.max_metric_calls": None})
        b = snapshot(part.archive, part.run_id)
        assert b["candidates"] == a["candidates"], max_calls
        assert no_test(b["evaluations"]) == no_test(a["evaluations"]), max_calls
        its = [e for e in b["events"] if e[0].startswith("it:")]
        assert its == [e for e in a["events"] if e[0].startswith("it:")], max_calls
    assert before_validate >= 1  # the case of the bug report was among them


def test_task_that_cannot_load(tmp_path):
    with pytest.raises(TaskNotFound, match="Unknown task 'nope'.*sentiment"):
        start_run(toy_config(tmp_path, task={"name": "nope"}))
    bad = tmp_path / "bad_task.py"
    bad.write_text("raise ImportError('no such dependency')\n")
    with pytest.raises(TaskError, match="failed to load: ImportError"):
        start_run(toy_config(tmp_path, task={"name": f"{bad}:create"}))


def test_llm_failures_are_recorded_and_the_run_goes_on(tmp_path):
    t = lambda: litellm.Timeout(message="slow", model="fake/flaky", llm_provider="fake")  # noqa: E731
    fake = FakeLLM("flaky")
    fake.enqueue(*[t() for _ in range(40)])
    cfg = toy_config(tmp_path, llm={"model": "fake/flaky", "max_retries": 1},
                     proposers={"use": ["reflective", "demos"]},
                     budget={"max_iterations": 10})
    out = start_run(cfg)
    assert out.status == "finished" and out.summary["failed_iterations"] >= 1
    events = Archive(out.archive).events(out.run_id, "iteration")
    failed = [e for e in events if e["data"]["outcome"] == "failed"]
    assert failed and "LLM call to fake/flaky failed after 2 attempt" in failed[0]["data"]["error"]


def test_a_refused_api_key_stops_the_run_at_once_and_resume_continues(tmp_path):
    """Persistent: no retry, no going on with other proposers; a clear message."""
    auth = litellm.AuthenticationError(message="Incorrect API key provided",
                                       llm_provider="openai", model="fake/keyless")
    FakeLLM("keyless").enqueue(auth)
    cfg = toy_config(tmp_path, llm={"model": "fake/keyless", "max_retries": 3},
                     proposers={"use": ["reflective", "demos"]},
                     budget={"max_iterations": 6})
    with pytest.raises(LLMAuthError, match="API key is missing or refused"):
        start_run(cfg)
    a = Archive(cfg.run.archive)
    run = a.list_runs()[0]
    assert run["status"] == "failed" and len(a.llm_calls(run["id"])) == 1
    FakeLLM("keyless").enqueue(*["```\nalpha\n```"] * 10)  # the key is fixed
    out = resume_run(cfg.run.archive, run["id"])
    assert out.status == "finished"


def test_garbage_answers_are_rejected_not_adopted(tmp_path):
    fake = FakeLLM("garbage")
    fake.enqueue("", "no fence at all", "nothing\n```", *["```\n```"] * 20)
    cfg = toy_config(tmp_path, llm={"model": "fake/garbage"},
                     proposers={"use": ["reflective"]}, budget={"max_iterations": 4})
    out = start_run(cfg)
    events = Archive(out.archive).events(out.run_id, "iteration")
    reasons = [e["data"].get("reason") for e in events]
    assert reasons[:4] == ["empty answer", "truncated answer (no closing fence)",
                           "answer identical to the parent", "empty block"]
    assert out.summary["best"] == out.summary["seed"]


def test_metric_budget_overshoots_by_at_most_one_batch(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_metric_calls": 60,
                                                 "max_iterations": 100}))
    calls = Archive(out.archive).metric_calls(out.run_id)
    test_calls = sum(1 for _ in Archive(out.archive).db.query(
        "select 1 from evaluations where split = 'test'"))
    assert "metric calls" in out.stop_reason
    assert calls - test_calls <= 60 + 12  # one val batch of 12 at most


def test_patience_and_stop_file(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"patience": 2, "max_iterations": 100},
                               proposers={"use": ["reflective"]}))
    assert "without improvement" in out.stop_reason
    stop = tmp_path / "STOP"
    stop.touch()
    out = start_run(toy_config(tmp_path, budget={"stop_file": str(stop)}))
    assert "stop file" in out.stop_reason and out.summary["iterations"] == 0
    assert stop.exists()  # the user's own file: the run did not write it, so it stays


def test_a_run_whose_proposers_only_repeat_themselves_stops(tmp_path):
    """The same answer every time costs no metric call: without this rule a run with only
    a metric-call budget spun forever (found by the notebook on the fake model)."""
    FakeLLM("parrot", rule=lambda m: "```\nalpha beta\n```\n")
    out = start_run(toy_config(tmp_path, llm={"model": "fake/parrot"},
                               budget={"max_iterations": None, "max_metric_calls": 10_000,
                                       "max_wall_s": None, "patience": None,
                                       "max_idle_iterations": 5},
                               proposers={"use": ["reflective"]}))
    assert "in a row with no new candidate" in out.stop_reason
    records = Archive(out.archive).iterations(out.run_id)
    assert [r.child is None for r in records[-5:]] == [True] * 5 and records[-6].child
    assert len(records) <= 8


@pytest.mark.parametrize("named", ["user file", "device"])
def test_a_run_deletes_only_the_stop_file_it_was_asked_to_stop_with(tmp_path, named):
    """A config naming an existing file (``/dev/null`` as root, in the report) kept it
    only if the run did not unlink it at the end."""
    import os
    path = tmp_path / "STOP"
    if named == "device":
        os.mkfifo(path)  # not a regular file: like /dev/null, never removed
    else:
        path.write_text("my notes\n")
    out = start_run(toy_config(tmp_path, budget={"stop_file": str(path),
                                                 "max_iterations": 2}))
    assert "stop file" in out.stop_reason and path.exists()
    cfg = toy_config(tmp_path / "b", budget={"stop_file": str(tmp_path / "b" / "STOP"),
                                             "max_iterations": 2})
    out = start_run(cfg)
    requested = Archive(out.archive).request_stop(out.run_id)  # as `galapagos stop` does
    out = resume_run(cfg.run.archive, out.run_id, {"budget.max_iterations": 4})
    assert "stop file" in out.stop_reason and not requested.exists()


def test_interrupt_stops_at_safe_point_and_resume_is_exact(tmp_path):
    ref = start_run(toy_config(tmp_path / "ref", budget={"max_iterations": 12}))
    hooks = Hooks()
    seen = []

    def ctrl_c_after_five(event):
        seen.append(event)
        if event.kind == "iteration" and event.iteration == 5:
            hooks.interrupt.set()

    hooks.bus.subscribe(ctrl_c_after_five)
    cfg = toy_config(tmp_path / "int", budget={"max_iterations": 12})
    out = start_run(cfg, hooks)
    assert out.status == "interrupted" and f"galapagos resume {out.run_id}" in out.message
    assert Archive(out.archive).get_run(out.run_id)["status"] == "interrupted"
    resume_run(out.archive, out.run_id)
    a, b = snapshot(ref.archive, ref.run_id), snapshot(out.archive, out.run_id)
    assert a["candidates"] == b["candidates"] and a["evaluations"] == b["evaluations"]


def test_all_selectors_and_acceptance_modes_run(tmp_path):
    for i, kind in enumerate(["pareto", "best", "epsilon", "dgm"]):
        out = start_run(toy_config(tmp_path / kind, selector={"kind": kind},
                                   loop={"acceptance": "non_decreasing" if i else "strict",
                                         "infra_backoff_s": 0.0},
                                   budget={"max_iterations": 6}))
        s = out.summary
        assert out.status == "finished" and s["iterations"] == 6
        assert s["val"][s["best"]] > s["val"][s["seed"]], kind
        events = Archive(out.archive).events(out.run_id, "iteration")
        assert [e["iteration"] for e in events] == list(range(1, 7))


def test_task_without_test_split_reports_no_test_score(tmp_path):
    bad = tmp_path / "notest.py"
    bad.write_text(
        "import sys\nsys.path.insert(0, %r)\n" % str(tmp_path.parents[0]) +
        "from tests.fixtures.toy_task import ToyTask\n"
        "class NoTest(ToyTask):\n"
        "    def instances(self):\n"
        "        return [i for i in super().instances() if i.split != 'test']\n"
        "def create(ctx):\n    return NoTest()\n")
    out = start_run(toy_config(tmp_path, task={"name": f"{bad}:create"},
                               budget={"max_iterations": 3}))
    assert out.status == "finished" and out.summary["test"] == {}


def test_a_bug_in_a_plugin_marks_the_run_failed(tmp_path):
    bad = tmp_path / "buggy.py"
    bad.write_text("from tests.fixtures.toy_task import ToyTask\n"
                   "class Buggy(ToyTask):\n"
                   "    def seed_candidate(self):\n"
                   "        raise ZeroDivisionError('oops')\n"
                   "def create(ctx):\n    return Buggy()\n")
    cfg = toy_config(tmp_path, task={"name": f"{bad}:create"})
    with pytest.raises(ZeroDivisionError):
        start_run(cfg)
    run = Archive(cfg.run.archive).list_runs()[0]
    assert run["status"] == "failed" and "ZeroDivisionError" in run["stop_reason"]


def test_merge_combines_branches_that_changed_different_components(tmp_path):
    words = ["alpha beta gamma", "delta epsilon zeta", "eta theta iota", "kappa lambda mu"]
    fake = FakeLLM("merger")
    fake.enqueue(*[f"{words[i % 4]}\n```" for i in range(60)])
    out = start_run(toy_config(
        tmp_path, llm={"model": "fake/merger"},
        proposers={"use": ["reflective", "demos", "merge"], "merge": {"every": 2},
                   "reflective": {"components": ["answer"]}, "demos": {"max_demos": 4}},
        run={"seed": 3},  # a trajectory that branches (seeds 1-4 do, at max_demos 4)
        budget={"max_iterations": 24}))
    a = Archive(out.archive)
    merged = [r for r in a.run_candidates(out.run_id) if r["proposer"] == "merge"]
    assert merged, "no merge child was ever proposed"
    child = a.get_candidate(merged[0]["candidate_id"])
    parents = [a.get_candidate(p) for p in child.parents]
    assert len(parents) == 2
    for name, text in child.components.items():  # every component comes from a parent
        assert text in {p.components[name] for p in parents}
    assert child.components not in [p.components for p in parents]


def test_staged_validation_saves_calls_and_reaches_the_same_best(tmp_path):
    stages = [{"instances": 6, "threshold": 1.0, "relative": True},
              {"instances": 9, "threshold": 1.0, "relative": True}]
    loop = {"acceptance": "non_decreasing", "infra_backoff_s": 0.0,  # many reach validate
            "minibatches": "random"}  # the trajectory this comparison was written for
    # A cascade may drop a child that would have led to a better best; on this seed's
    # trajectory it does not (on seeds 0-5 it reaches the same best on three, a better on
    # one and a worse on two: tests/unit is no place to benchmark that).
    run = {"seed": 1}
    plain = start_run(toy_config(tmp_path / "plain", run=run, budget={"max_iterations": 30},
                                 loop=loop))
    staged = start_run(toy_config(tmp_path / "staged", run=run, budget={"max_iterations": 30},
                                  loop={**loop, "stages": stages}))
    p, s = plain.summary, staged.summary
    assert s["val"][s["best"]] == p["val"][p["best"]]  # the same best score
    events = Archive(staged.archive).events(staged.run_id, "iteration")
    out = [e["data"] for e in events if e["data"]["outcome"] == "staged_out"]
    assert out and s["staging_saved_calls"] == sum(d["saved_calls"] for d in out) > 0
    pool = Archive(staged.archive).pool(staged.run_id)
    assert not {d["child"] for d in out} & set(pool)  # a staged-out child never joins
    search = lambda o: Archive(o.archive).metric_calls(o.run_id, search_only=True)  # noqa: E731
    assert s["metric_calls"] == search(staged)  # the summary counts the search's calls
    print("metric calls, plain vs staged:", search(plain), search(staged))
    assert search(staged) < search(plain)
