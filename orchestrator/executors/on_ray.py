"""Evaluations on a Ray cluster (``[executor] kind = "ray"``).

Evaluations run on Ray actors, each holding ``[executor]``'s resources. An actor rebuilds
the run's task from the config (once) and checks that its fingerprint is the driver's, so
a node with other task code or data cannot score for this run. LLM calls made on a worker
reach the model directly through litellm (keys from the worker's environment); they are
kept and handed back with the result, and the driver writes them to its archive, which
stays the single writer. Answers the archive already holds for that (candidate, instance)
travel with the job, so a re-dispatched evaluation (after a lost worker, or a resume) pays
for none of its cache-keyed calls twice. A worker process or node that dies takes its
actor with it: the evaluation is tried again on another (``max_retries``), and a new actor
is made only while the live cluster has room for it (one that cannot start in
``start_s`` is given up); if it keeps failing, the evaluator sees an infrastructure fault:
retried, never scored."""

from __future__ import annotations

import atexit
import pickle
import queue
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import ray
import ray.exceptions

from galapagos.agents.llm import scope
from galapagos.archive import Archive, Candidate
from galapagos.errors import ConfigError, InfrastructureError, is_infrastructure
from galapagos.tasks.boundary import checked
from galapagos.tasks.protocol import Instance, Result, traits
from galapagos.tasks.registry import INLINE, inline_factory, register_inline


@dataclass
class Reply:
    """What a task actor sends back for one evaluation: the result or the error, and the
    LLM calls it made (the driver writes them)."""

    result: Result | None
    error: BaseException | None
    calls: list[dict[str, Any]] = field(default_factory=list)


class RayExecutor:
    """Task actors evaluate on Ray: made as evaluations need them (each holds
    ``[executor]``'s resources, so the cluster's size bounds them) and reused: the task is
    built once per actor, and a call costs an actor method's round trip."""

    def __init__(self, cfg: Any, task_key: str, archive: Archive, run_id: str):
        connect(cfg.executor.address)
        e = cfg.executor
        opts: dict[str, Any] = {"num_cpus": e.num_cpus, "num_gpus": e.num_gpus}
        if e.memory_mb:
            opts["memory"] = e.memory_mb * 2**20
        if e.resources:
            opts["resources"] = dict(e.resources)
        spec = {"config": cfg.model_dump(mode="json"), "run_id": run_id, "task_key": task_key,
                "inline": _shipped(cfg.task.name)}
        self.make = lambda: _TaskActor.options(**opts).remote(spec)  # type: ignore[attr-defined]
        self.room = lambda: _room(opts)
        self.idle: queue.Queue[Any] = queue.Queue()
        self.actors: list[Any] = []
        self.lock, self.archive, self.retries = threading.Lock(), archive, e.max_retries
        self.start_s = e.start_s

    def evaluate(self, cand: Candidate, inst: Instance) -> Result:
        known = self.archive.answered_calls(cand.id, inst.id)
        for attempt in range(self.retries + 1):
            actor, new = self._take()
            try:
                if new:
                    ray.get(actor.ready.remote(), timeout=self.start_s)
                out: Reply = ray.get(actor.evaluate.remote(cand.view(), cand.id, inst,
                                                             known))
            except ray.exceptions.RayError as exc:  # its process or node died: drop it
                self._drop(actor)
                if attempt == self.retries:
                    raise InfrastructureError(
                        f"Ray lost the evaluation of candidate {cand.id[:12]} on {inst.id} "
                        f"{attempt + 1} times: {type(exc).__name__}: {str(exc)[:300]}"
                    ) from None
                continue
            self.idle.put(actor)
            return self._settle(out)
        raise AssertionError("unreachable")

    def _settle(self, out: Reply) -> Result:
        for row in out.calls:
            self.archive.record_llm_call(row)
        if out.error is not None:
            raise out.error
        assert out.result is not None
        return out.result

    def _take(self) -> tuple[Any, bool]:
        """An idle actor, or a new one while the live cluster has room for it; else the
        next to be free (looking again each second: actors die, clusters grow)."""
        while True:
            with self.lock:
                if self.idle.empty() and len(self.actors) < self.room():
                    self.actors.append(self.make())
                    return self.actors[-1], True
            try:
                return self.idle.get(timeout=1.0), False
            except queue.Empty:
                continue

    def _drop(self, actor: Any) -> None:
        ray.kill(actor)
        with self.lock:
            self.actors.remove(actor)

    def close(self) -> None:
        for actor in self.actors:
            ray.kill(actor)
        self.actors.clear()


def _shipped(name: str) -> bytes | None:
    """A task defined in the driver's Python (``galapagos.optimize``) travels to the
    workers by value (cloudpickle: a notebook's functions and data included)."""
    factory = inline_factory(name)
    return None if factory is None else ray.cloudpickle.dumps(factory)


def _room(opts: dict[str, Any]) -> int:
    """How many evaluators the cluster holds at once, by what each one asks for."""
    total = ray.cluster_resources()
    asks = {"CPU": opts["num_cpus"], "GPU": opts["num_gpus"], "memory": opts.get("memory", 0),
            **opts.get("resources", {})}
    fits = [int(total.get(name, 0) // amount) for name, amount in asks.items() if amount]
    return max(1, min(fits, default=64))


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


@ray.remote
class _TaskActor:
    """One worker process's task, rebuilt from the config, evaluating on request."""

    def __init__(self, spec: dict[str, Any]):
        from galapagos.orchestrator.config import Config
        from galapagos.orchestrator.executors.build import Sandboxes, build_task

        cfg, self.rec, boxes = Config.model_validate(spec["config"]), Recorder(), Sandboxes()
        if spec.get("inline"):
            register_inline(cfg.task.name.removeprefix(INLINE),
                            ray.cloudpickle.loads(spec["inline"]))
        atexit.register(boxes.close)
        self.task, key = build_task(cfg, spec["run_id"], self.rec,
                                    boxes.factory(cfg, spec["run_id"]))
        self.mismatch = None if key == spec["task_key"] else InfrastructureError(
            f"Task '{cfg.task.name}' on this Ray node has key {key}, the driver's is "
            f"{spec['task_key']}: its code, data or options differ. Install the same "
            "version on every node.")

    def ready(self) -> bool:
        return True

    def evaluate(self, view: dict[str, str], cand_id: str, inst: Instance,
                 known: dict[str, dict[str, Any]]) -> Reply:
        if self.mismatch is not None:
            return Reply(None, self.mismatch)
        self.rec.rows, self.rec.known = [], known
        try:
            with scope.evaluation(cand_id, inst.id):
                result = checked(self.task.evaluate(view, inst), self.task.name, inst,
                                 traits(self.task).score_range)  # cut before it travels
            return Reply(result, None, self.rec.rows)
        except Exception as exc:  # noqa: BLE001 - handed to the driver's evaluator to sort
            return Reply(None, _portable(exc), self.rec.rows)


def _portable(exc: Exception) -> BaseException:
    """The exception itself if it crosses to the driver intact, else its words (keeping
    whether it was the machinery's fault)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        kind = InfrastructureError if is_infrastructure(exc) else RuntimeError
        return kind(f"{type(exc).__name__}: {exc}")
