"""Where evaluations run: on threads of this process (``local``) or on a Ray cluster
(``ray``). The evaluator hands each (candidate, instance) to an executor and gets the
task's ``Result`` back; the archive stays in the driver, its single writer."""

from typing import Any

from galapagos.archive import Archive
from galapagos.orchestrator.config import Config
from galapagos.orchestrator.executors.base import Executor, LocalExecutor
from galapagos.orchestrator.executors.build import Sandboxes, build_task

__all__ = ["Executor", "LocalExecutor", "Sandboxes", "build_task", "make_executor"]


def make_executor(cfg: Config, task: Any, task_key: str, archive: Archive,
                  run_id: str) -> Executor:
    """The executor ``[executor] kind`` names (``strategies.EXECUTORS``: built in or a
    plug-in of the ``galapagos.executors`` entry-point group)."""
    from galapagos.orchestrator.strategies import EXECUTORS, ExecutorBuild

    build = ExecutorBuild(cfg, task, task_key, archive, run_id)
    return EXECUTORS.get(cfg.executor.kind).build(build)
