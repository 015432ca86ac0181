"""Experiment tracking against a real local MLflow store (SQLite), and listeners that fail."""

from galapagos.archive import Archive
from galapagos.orchestrator.runner import Hooks, resume_run, start_run
from tests.conftest import toy_config


def test_a_run_and_its_resume_are_one_mlflow_run(tmp_path, monkeypatch):
    import mlflow

    monkeypatch.chdir(tmp_path)  # MLflow puts artefacts beside the store
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cfg = toy_config(tmp_path, tracking={"mlflow_uri": uri, "experiment": "t"},
                     budget={"max_iterations": 3})
    out = start_run(cfg)
    done = resume_run(out.archive, out.run_id, {"budget.max_iterations": 6})
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("t")
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1 and runs[0].data.tags["galapagos.run"] == out.run_id
    run = runs[0]
    assert run.data.params["task.name"].endswith("toy_task.py:create")
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "best_val")]
    assert sorted(steps) == [1, 2, 3, 4, 5, 6]  # every iteration once, the resumed ones too
    best = Archive(out.archive).get_candidate(done.summary["best"])
    for name, text in best.components.items():
        local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, tracking_uri=uri,
                                                    artifact_path=f"best/{name}.txt")
        assert open(local).read() == text
    metrics, s = client.get_run(run.info.run_id).data.metrics, done.summary
    assert (metrics["final_val"], metrics["final_test"]) == (s["val"][s["best"]],
                                                            s["test"][s["best"]])


def test_a_listener_that_raises_never_stops_a_run(tmp_path):
    hooks = Hooks()
    hooks.bus.subscribe(lambda event: 1 / 0)
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 4}), hooks)
    assert out.status == "finished" and out.summary["iterations"] == 4
