"""Starting and resuming runs: the library API the CLI is a thin layer over.

    outcome = start_run(load_config("config.toml"))
    outcome = resume_run(".galapagos/archive.db", outcome.run_id, {"budget.max_iterations": 40})
"""

from __future__ import annotations

import sqlite3
import time
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver

from galapagos.agents.llm import LLMClient
from galapagos.archive import Archive
from galapagos.archive.store import archive_fault
from galapagos.errors import (ArchiveError, ConfigError, GalapagosError, Interrupted,
                              TaskError)
from galapagos.orchestrator.budget import Budget
from galapagos.orchestrator.config import Config, load_config
from galapagos.orchestrator.config_search import as_made
from galapagos.orchestrator.evaluator import Evaluator
from galapagos.orchestrator.events import EventBus
from galapagos.orchestrator.executors import (Executor, Sandboxes, build_task,
                                              make_executor)
from galapagos.orchestrator.final import kept_calls
from galapagos.orchestrator.graph import build_graph
from galapagos.orchestrator.interrupt import InterruptFlag
from galapagos.orchestrator.loop import Loop
from galapagos.orchestrator.proposers.build import fit_to_task, make_proposers
from galapagos.orchestrator.selectors import make_selector
from galapagos.orchestrator.state import initial_state
from galapagos.tasks.protocol import traits


@dataclass
class Outcome:
    run_id: str
    status: str
    stop_reason: str | None
    archive: Path
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass
class Hooks:
    """What a caller may plug in: listeners, the Ctrl-C flag, and the clock the LLM
    client's backoff sleeps on (tests pass a fake)."""

    bus: EventBus = field(default_factory=EventBus)
    interrupt: InterruptFlag = field(default_factory=InterruptFlag)
    sleep: Callable[[float], None] = time.sleep
    sandboxes: Sandboxes = field(default_factory=Sandboxes)


def start_run(cfg: Config, hooks: Hooks | None = None) -> Outcome:
    hooks = hooks or Hooks()
    archive = Archive(cfg.run.archive)
    run_id = f"{_slug(cfg.run.name)}-{uuid.uuid4().hex[:8]}"
    task, task_key = _load_task(cfg, archive, run_id, hooks)
    cfg = fit_to_task(cfg, task)
    executor = _prepare(cfg, task, task_key, archive, run_id)  # nothing written if it fails
    archive.create_run(run_id, task=cfg.task.name, task_key=task_key, seed=cfg.run.seed,
                       config=cfg.model_dump(mode="json"))
    return _drive(cfg, archive, run_id, task, task_key, hooks, executor)


def resume_run(archive_path: str | Path, run_id: str, overrides: dict[str, Any] | None = None,
               hooks: Hooks | None = None) -> Outcome:
    hooks = hooks or Hooks()
    archive = Archive(archive_path)
    run = archive.get_run(run_id)
    _ensure_free(archive, run["id"])  # before anything is written
    cfg = load_config(None, {**(overrides or {}), "run.archive": str(archive_path)},
                      base=as_made(run["config"]))
    archive.update_run(run["id"], config=cfg.model_dump(mode="json"))
    task, task_key = _load_task(cfg, archive, run["id"], hooks)
    if task_key != run["task_key"]:
        raise TaskError(
            f"Task '{cfg.task.name}' has changed since run {run['id']} started (its data, model "
            "or options differ), so the archived scores no longer hold. Start a new run.")
    executor = _prepare(cfg, task, task_key, archive, run["id"])
    return _drive(cfg, archive, run["id"], task, task_key, hooks, executor)


def _load_task(cfg: Config, archive: Archive, run_id: str, hooks: Hooks) -> tuple[Any, str]:
    return build_task(cfg, run_id, archive, hooks.sandboxes.factory(cfg, run_id), hooks.sleep)


def _prepare(cfg: Config, task: Any, task_key: str, archive: Archive, run_id: str
             ) -> Executor:
    """What can fail on the config alone fails before the run is written or resumed."""
    fit_to_task(cfg, task)  # a chosen proposer whose need the task does not meet: an error
    kept, limit = kept_calls(cfg, task), cfg.budget.max_metric_calls
    if limit is not None and kept >= limit:
        raise ConfigError(f"loop.final = \"recheck\" keeps {kept} metric calls (loop.recheck "
                          f"= {cfg.loop.recheck} times the train split) for the final choice, "
                          f"which leaves none of budget.max_metric_calls = {limit} to the "
                          "search; raise the budget, lower loop.recheck or use \"lcb\".")
    return make_executor(cfg, task, task_key, archive, run_id)


def _drive(cfg: Config, archive: Archive, run_id: str, task: Any, task_key: str,
           hooks: Hooks, executor: Executor) -> Outcome:
    stop_file = archive.stop_file(run_id)
    budget = Budget(cfg.budget, stop_file, archive, run_id, kept_calls(cfg, task),
                    traits(task).perfect_score)
    llm = LLMClient(cfg.llm.model, log=archive, run_id=run_id, temperature=cfg.llm.temperature,
                    max_tokens=cfg.llm.max_tokens, timeout_s=cfg.llm.timeout_s,
                    max_retries=cfg.llm.max_retries, backoff_s=cfg.llm.backoff_s,
                    sleep=hooks.sleep, api_base=cfg.llm.api_base, api_key=cfg.llm.api_key(),
                    guard=budget.spent)
    evaluator = Evaluator(
        task, archive, run_id, task_key, workers=cfg.loop.workers,
        guard=budget.spent, check_interrupt=hooks.interrupt.check,
        infra_retries=cfg.loop.infra_retries, infra_backoff_s=cfg.loop.infra_backoff_s,
        sleep=hooks.sleep, executor=executor, timeout_s=cfg.task.eval_deadline_s(),
        abort=lambda: _hard_stop(hooks.interrupt) or budget.wall_out())
    loop = Loop(run_id=run_id, cfg=cfg, archive=archive, task=task, evaluator=evaluator,
                selector=make_selector(cfg.selector, lambda: archive.children(run_id)),
                proposers=make_proposers(cfg, llm, task, archive),
                budget=budget, bus=hooks.bus, interrupt=hooks.interrupt)
    if cfg.tracking.mlflow_uri:
        from galapagos.orchestrator.tracking import MlflowListener

        hooks.bus.subscribe(MlflowListener(cfg.tracking.mlflow_uri, cfg.tracking.experiment,
                                           archive, cfg.model_dump(mode="json")))
    _claim(archive, run_id)
    conn = sqlite3.connect(archive.path, check_same_thread=False, timeout=30)
    graph = build_graph(loop, SqliteSaver(conn))
    config = {"configurable": {"thread_id": run_id}, "recursion_limit": 10**9}
    try:
        _invoke(graph, config, run_id, cfg.run.seed)
    except (Interrupted, KeyboardInterrupt):
        _mark_interrupted(archive, run_id)
        return Outcome(run_id, "interrupted", "interrupted", archive.path,
                       message=f"Stopped at a safe point. Continue with: galapagos resume "
                       f"{run_id} --archive {archive.path}")
    except GalapagosError as exc:
        _mark_failed(archive, run_id, str(exc))
        raise
    except sqlite3.OperationalError as exc:  # the checkpointer's writes: a full disk, say
        fault = archive_fault(exc, archive.path)
        _mark_failed(archive, run_id, str(fault))
        raise fault from exc
    except Exception as exc:  # a bug: keep the run resumable and say so
        archive.update_run(run_id, status="failed",
                           stop_reason=f"{type(exc).__name__}: {exc}"[:500])
        raise
    except BaseException:  # SystemExit, a signal turned into one: never left "running"
        _mark_interrupted(archive, run_id)
        raise
    finally:
        conn.close()
        executor.close()
        hooks.sandboxes.close()
    run = archive.get_run(run_id)
    archive.clear_stop(run_id)
    return Outcome(run_id, run["status"], run["stop_reason"], archive.path, run["summary"])


def _hard_stop(flag: InterruptFlag) -> Interrupted | None:
    return Interrupted("Stopped at once by a second Ctrl-C.") if flag.hard else None


def _mark_interrupted(archive: Archive, run_id: str) -> None:
    try:
        archive.update_run(run_id, status="interrupted")
    except ArchiveError:
        pass


def _mark_failed(archive: Archive, run_id: str, reason: str) -> None:
    """Record the failure where the archive can still be written (a full disk may not)."""
    try:
        archive.update_run(run_id, status="failed", stop_reason=reason[:500])
    except ArchiveError:
        pass


def _slug(name: str) -> str:
    """The name as it can stand in a run's id: a command-line word and a file name (the
    stop file), nothing a terminal or a shell reads specially."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:40] or "run"


def _ensure_free(archive: Archive, run_id: str) -> None:
    """Refuse a run that a live process other than this one is driving."""
    from galapagos.sandbox.reaper import owner_alive, owner_label

    row = archive.db.execute("select status, owner from runs where id = ?",
                             [run_id]).fetchone()
    if row and row[0] == "running" and row[1] and owner_alive(row[1]) \
            and row[1] != owner_label():
        raise ArchiveError(
            f"Run {run_id} is being driven by another process ({row[1]}). Wait for it, "
            f"or stop it first with `galapagos stop {run_id}`.")


def _claim(archive: Archive, run_id: str) -> None:
    """Mark this process as the run's driver, unless a live process already is."""
    from galapagos.sandbox.reaper import owner_label

    with archive.transaction():
        _ensure_free(archive, run_id)
        archive.db.execute("update runs set status = 'running', owner = ?, stop_reason = "
                           "null where id = ?", [owner_label(), run_id])  # not the old one


def _invoke(graph: Any, config: dict[str, Any], run_id: str, seed: int) -> None:
    snapshot = graph.get_state(config)
    if not snapshot.values:
        graph.invoke(initial_state(run_id, seed), config, durability="sync")
    elif snapshot.next or snapshot.tasks:  # tasks: a node whose writes were saved but not
        graph.invoke(None, config, durability="sync")  # the checkpoint after it (kill -9)
    else:
        graph.invoke({"stop_reason": None}, config, durability="sync")
