"""K proposals in flight: a run is the same for a given seed and K, however the threads
interleave; it resumes exactly after a crash inside a flight; and the K iterations really
run at once."""

import threading

import pytest

from galapagos.archive import Archive
from galapagos.orchestrator.runner import resume_run, start_run
from tests.conftest import toy_config
from galapagos.orchestrator.executors import LocalExecutor
from tests.unit.test_loop import snapshot


def config(d, k, iterations=12, **options):
    return toy_config(d, loop={"in_flight": k, "minibatch_size": 2},
                      task={"options": {"delay": 0.01, **options}},
                      budget={"max_iterations": iterations})


@pytest.mark.parametrize("k", [2, 4])
def test_a_flight_run_is_reproducible_and_keeps_iteration_order(tmp_path, k):
    a = start_run(config(tmp_path / "a", k))
    b = start_run(config(tmp_path / "b", k))
    assert snapshot(a.archive, a.run_id) == snapshot(b.archive, b.run_id)
    events = Archive(a.archive).events(a.run_id, "iteration")
    assert sorted(e["iteration"] for e in events) == list(range(1, 13))
    assert a.summary["iterations"] == 12


def test_the_k_iterations_of_a_flight_run_at_once(tmp_path, monkeypatch):
    active, peak, lock = [0], [0], threading.Lock()
    real = LocalExecutor.evaluate

    def counting(self, cand, inst):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return real(self, cand, inst)
        finally:
            with lock:
                active[0] -= 1
    monkeypatch.setattr(LocalExecutor, "evaluate", counting)
    start_run(config(tmp_path / "one", 1, iterations=4, delay=0.05))
    assert peak[0] == 1  # one worker, one iteration at a time
    start_run(config(tmp_path / "four", 4, iterations=4, delay=0.05))
    assert peak[0] >= 3  # the parents' minibatches of the flight overlap


def test_a_crash_inside_a_flight_resumes_exactly(tmp_path, monkeypatch):
    from galapagos.archive.store import Archive as Store

    ref = start_run(config(tmp_path / "ref", 3))
    real, crashed = Store.add_candidate, []

    def add_then_die(self, run_id, cand, *, iteration, role):
        out = real(self, run_id, cand, iteration=iteration, role=role)
        if role in ("proposed", "accepted") and iteration in (2, 7) and iteration not in crashed:
            crashed.append(iteration)
            raise KeyboardInterrupt  # as kill -9 would, inside the flight node
        return out
    monkeypatch.setattr(Store, "add_candidate", add_then_die)
    out = start_run(config(tmp_path / "crash", 3))
    while out.status == "interrupted":
        out = resume_run(out.archive, out.run_id)
    assert crashed and out.status == "finished"
    a, b = snapshot(ref.archive, ref.run_id), snapshot(out.archive, out.run_id)
    assert b == a
