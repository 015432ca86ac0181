"""Building a run's task from its config: in the driver (calls logged to the archive) and
on a Ray worker (calls kept for the driver to write), with the same fingerprint."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from galapagos.agents.llm import LLMClient
from galapagos.agents.llm.client import CallLog
from galapagos.orchestrator.config import Config
from galapagos.tasks import TaskContext, load_task


def build_task(cfg: Config, run_id: str, log: CallLog | None, sandbox: Callable[[], Any],
               sleep: Callable[[float], None] = time.sleep) -> tuple[Any, str]:
    """The task and its key (name and fingerprint): what makes archived scores reusable."""
    t = cfg.task.llm

    def task_llm(model: str) -> LLMClient:
        return LLMClient(model, log=log, run_id=run_id, temperature=0.0,
                         timeout_s=t.timeout_s or cfg.llm.timeout_s,
                         max_retries=cfg.llm.max_retries if t.max_retries is None
                         else t.max_retries, backoff_s=cfg.llm.backoff_s, sleep=sleep,
                         api_base=t.api_base, api_key=t.api_key())

    task = load_task(cfg.task.name, TaskContext(
        options=dict(cfg.task.options), llm=task_llm, sandbox=sandbox,
        limits=cfg.task.sandbox.limits(), run_id=run_id, folder=cfg.task.folder))
    image = cfg.task.sandbox.image  # another image, other libraries: other scores
    key = hashlib.sha256((f"{cfg.task.name}|{task.fingerprint()}"
                          + ("" if image == "base" else f"|image={image}")).encode()
                         ).hexdigest()[:16]
    return task, key


class Sandboxes:
    """Creates the run's sandbox on first use (prompt tasks never need one) and closes it
    when the run ends, so no container outlives the run."""

    def __init__(self) -> None:
        self.made: list[Any] = []

    def factory(self, cfg: Config, run_id: str) -> Callable[[], Any]:
        box: list[Any] = []

        def get() -> Any:
            if not box:
                from galapagos.sandbox import make_sandbox

                s = cfg.task.sandbox
                box.append(make_sandbox(
                    s.backend, concurrency=s.concurrency, share_gpus=s.share_gpus,
                    allow_cpu_fallback=s.allow_cpu_fallback, pool_size=s.pool_size,
                    fresh=s.fresh, image=s.image, labels={"galapagos.run": run_id}))
                self.made.append(box[0])
            return box[0]

        return get

    def close(self) -> None:
        for sb in self.made:
            sb.close()
        self.made.clear()
