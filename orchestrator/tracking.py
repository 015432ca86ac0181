"""Experiment tracking for teams that have MLflow (``pip install 'galapagos[mlflow]'``): a
listener that logs a run's config as params, each iteration's figures as metrics (step =
iteration), and at the finish the summary and the best candidate (its components and files)
as artefacts. A resumed run continues the same MLflow run (found by its tag). Configured in
``[tracking]``; a tracking failure is logged and never stops the run."""

from __future__ import annotations

from typing import Any

from galapagos.archive import Archive
from galapagos.errors import ConfigError
from galapagos.orchestrator.events import IterationEnded, RunEvent, RunFinished

METRICS = ("best_val", "metric_calls", "llm_usd", "llm_tokens", "frontier", "val")


class MlflowListener:
    def __init__(self, uri: str, experiment: str, archive: Archive, config: dict[str, Any]):
        try:
            import mlflow
        except ImportError as exc:
            raise ConfigError("[tracking] mlflow_uri is set but MLflow is not installed: "
                              "`pip install 'galapagos[mlflow]'`, or remove mlflow_uri.") from exc
        self.client = mlflow.MlflowClient(tracking_uri=uri)
        exp = self.client.get_experiment_by_name(experiment)
        self.experiment_id = exp.experiment_id if exp else self.client.create_experiment(
            experiment)
        self.archive, self.config = archive, config
        self.mlflow_run: str | None = None

    def __call__(self, event: RunEvent) -> None:
        run_id = self._run(event.run_id)
        if isinstance(event, IterationEnded):
            for key in METRICS:
                if isinstance(value := getattr(event, key), (int, float)):
                    self.client.log_metric(run_id, key, float(value), step=event.iteration)
        elif isinstance(event, RunFinished):
            self._finish(run_id, event)

    def _run(self, galapagos_run: str) -> str:
        if self.mlflow_run is None:
            found = self.client.search_runs([self.experiment_id],
                                            f"tags.`galapagos.run` = '{galapagos_run}'")
            self.mlflow_run = found[0].info.run_id if found else self._create(galapagos_run)
        return self.mlflow_run

    def _create(self, galapagos_run: str) -> str:
        run = self.client.create_run(self.experiment_id, run_name=galapagos_run,
                                     tags={"galapagos.run": galapagos_run})
        for key, value in _flat(self.config).items():
            self.client.log_param(run.info.run_id, key, str(value)[:500])
        return run.info.run_id

    def _finish(self, run_id: str, event: RunFinished) -> None:
        s = event.summary
        for name, split in (("final_val", "val"), ("final_test", "test")):
            if s.get(split, {}).get(s.get("best")) is not None:
                self.client.log_metric(run_id, name, float(s[split][s["best"]]),
                                       step=event.iteration)
        best = self.archive.get_candidate(s["best"])
        for name, text in best.components.items():
            self.client.log_text(run_id, text, f"best/{name}.txt")
        for path, text in best.files.items():
            self.client.log_text(run_id, text, f"best/files/{path}")
        self.client.set_terminated(run_id)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        out.update(_flat(v, key + ".") if isinstance(v, dict) else {key: v})
    return out
