"""Evaluations on a Ray cluster (``[executor] kind = "ray"``).

Each evaluation is a Ray task holding ``[executor]``'s resources. The worker rebuilds the
run's task from the config (once per worker process) and checks that its fingerprint is
the driver's, so a node with other task code or data cannot score for this run. LLM calls
made on the worker reach the model directly through litellm (keys from the worker's
environment); they are kept and handed back with the result, and the driver writes them to
its archive, which stays the single writer. Answers the archive already holds for that
(candidate, instance) travel with the job, so a re-dispatched evaluation (after a lost
worker, or a resume) pays for none of its cache-keyed calls twice. A worker process or node
that dies is Ray's to retry (``max_retries``); if it keeps failing, the evaluator sees an
infrastructure fault: retried, never scored."""

from __future__ import annotations

import atexit
import pickle
import socket
from dataclasses import dataclass, field
from typing import Any

import ray
import ray.exceptions

from galapagos.agents.llm import scope
from galapagos.archive import Archive, Candidate
from galapagos.errors import ConfigError, InfrastructureError, is_infrastructure
from galapagos.tasks.protocol import Instance, Result


@dataclass
class Outcome:
    result: Result | None
    error: BaseException | None
    calls: list[dict[str, Any]] = field(default_factory=list)


class RayExecutor:
    def __init__(self, cfg: Any, task_key: str, archive: Archive, run_id: str):
        connect(cfg.executor.address)
        e = cfg.executor
        opts: dict[str, Any] = {"num_cpus": e.num_cpus, "num_gpus": e.num_gpus,
                                "max_retries": e.max_retries, "retry_exceptions": False}
        if e.memory_mb:
            opts["memory"] = e.memory_mb * 2**20
        if e.resources:
            opts["resources"] = dict(e.resources)
        self.remote = _evaluate.options(**opts)
        self.spec = ray.put({"config": cfg.model_dump(mode="json"), "run_id": run_id,
                             "task_key": task_key})
        self.archive = archive

    def evaluate(self, cand: Candidate, inst: Instance) -> Result:
        known = self.archive.answered_calls(cand.id, inst.id)
        try:
            out: Outcome = ray.get(self.remote.remote(self.spec, cand.view(), cand.id, inst,
                                                      known))
        except ray.exceptions.RayError as exc:
            raise InfrastructureError(
                f"Ray lost the evaluation of candidate {cand.id[:12]} on {inst.id}: "
                f"{type(exc).__name__}: {str(exc)[:300]}") from None
        for row in out.calls:
            self.archive.record_llm_call(row)
        if out.error is not None:
            raise out.error
        assert out.result is not None
        return out.result

    def close(self) -> None:
        pass  # the cluster is the user's; this driver's connection ends with the process


def connect(address: str) -> None:
    if ray.is_initialized():
        return
    try:
        _reachable(address)
        ray.init(address=None if address == "local" else address, namespace="galapagos",
                 log_to_driver=False, configure_logging=False, include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(
            f"Cannot reach the Ray cluster at '{address}': {str(exc)[:300]}. Start one "
            "(`ray start --head` on this machine, then [executor] address = \"auto\"), point "
            "[executor] address at a running cluster's head (host:port or ray://host:10001),"
            " or set [executor] kind = \"local\".") from None


def _reachable(address: str, seconds: float = 5.0) -> None:
    """A host:port (or ray://host:port) that does not answer fails now, not after Ray's
    own minutes of retries."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # 'auto', 'local': Ray finds (or starts) the cluster itself
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {host}:{port} ({exc})") from None


class Recorder:
    """A worker's call log: the rows go back to the driver; answers it had are served."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.known: dict[str, dict[str, Any]] = {}

    def record_llm_call(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def cached_llm_response(self, cache_key: str) -> dict[str, Any] | None:
        return self.known.get(cache_key)


_TASKS: dict[str, tuple[Any, Recorder]] = {}


@ray.remote
def _evaluate(spec: dict[str, Any], view: dict[str, str], cand_id: str, inst: Instance,
              known: dict[str, dict[str, Any]]) -> Outcome:
    task, rec = _task(spec)
    rec.rows, rec.known = [], known
    try:
        with scope.evaluation(cand_id, inst.id):
            return Outcome(task.evaluate(view, inst), None, rec.rows)
    except Exception as exc:  # noqa: BLE001 - handed to the driver's evaluator to sort
        return Outcome(None, _portable(exc), rec.rows)


def _task(spec: dict[str, Any]) -> tuple[Any, Recorder]:
    from galapagos.orchestrator.config import Config
    from galapagos.orchestrator.executors.build import Sandboxes, build_task

    key = spec["task_key"]
    if key not in _TASKS:
        cfg, rec, boxes = Config.model_validate(spec["config"]), Recorder(), Sandboxes()
        atexit.register(boxes.close)
        task, mine = build_task(cfg, spec["run_id"], rec, boxes.factory(cfg, spec["run_id"]))
        if mine != key:
            raise InfrastructureError(
                f"Task '{cfg.task.name}' on this Ray node has key {mine}, the driver's is "
                f"{key}: its code, data or options differ. Install the same version on "
                "every node.")
        _TASKS[key] = (task, rec)
    return _TASKS[key]


def _portable(exc: Exception) -> BaseException:
    """The exception itself if it crosses to the driver intact, else its words (keeping
    whether it was the machinery's fault)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        kind = InfrastructureError if is_infrastructure(exc) else RuntimeError
        return kind(f"{type(exc).__name__}: {exc}")
