"""A kill that lands after a node's writes were saved but before the next checkpoint: the
resumed run must go on from that node's writes, not start over at the gate (which dropped
the iteration in progress; this was the rare divergence of the kill -9 tests)."""

from langgraph.checkpoint.sqlite import SqliteSaver

from galapagos.orchestrator.runner import resume_run, start_run
from tests.conftest import toy_config
from tests.unit.test_loop import snapshot


def config(d):
    return toy_config(d, budget={"max_iterations": 6})


def test_a_kill_between_a_nodes_writes_and_its_checkpoint_resumes_exactly(tmp_path,
                                                                         monkeypatch):
    ref = start_run(config(tmp_path / "ref"))
    real, seen, killed = SqliteSaver.put, [], []

    def put_or_die(self, cfg, checkpoint, metadata, new_versions):
        if "branch:to:child_eval" in checkpoint.get("channel_values", {}):
            seen.append(metadata.get("step"))
            if len(seen) == 2 and not killed:  # propose's writes are saved; this is not
                killed.append(metadata.get("step"))
                raise KeyboardInterrupt
        return real(self, cfg, checkpoint, metadata, new_versions)

    monkeypatch.setattr(SqliteSaver, "put", put_or_die)
    out = start_run(config(tmp_path / "killed"))
    assert killed and out.status == "interrupted"
    monkeypatch.undo()
    out = resume_run(out.archive, out.run_id)
    assert out.status == "finished"
    assert snapshot(out.archive, out.run_id) == snapshot(ref.archive, ref.run_id)
