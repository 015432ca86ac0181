"""Runs a task on a candidate over a batch of instances, through the archive's cache.

The same (task, candidate, instance, split) is never paid for twice: cached results are
read back, new ones are written one by one as they finish (so a crash loses at most the
evaluations in flight). One instance that raises scores 0 with the error as feedback;
a batch in which every instance raises is a systemic fault and stops the run."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from galapagos.archive import Archive, Candidate, Evaluation
from galapagos.errors import GalapagosError, Interrupted, TaskError
from galapagos.orchestrator.budget import OutOfBudget
from galapagos.tasks.protocol import Instance, Task


class Evaluator:
    def __init__(self, task: Task, archive: Archive, run_id: str, task_key: str, *,
                 workers: int = 1, calls_left: Callable[[], int | None] = lambda: None,
                 check_interrupt: Callable[[], None] = lambda: None):
        self.task, self.archive, self.run_id, self.task_key = task, archive, run_id, task_key
        self.workers, self.calls_left, self.check_interrupt = workers, calls_left, check_interrupt

    def run(self, cand: Candidate, instances: Sequence[Instance], split: str, *,
            enforce_budget: bool = True) -> dict[str, Evaluation]:
        cached = self.archive.cached_evaluations(self.task_key, cand.id,
                                                 [i.id for i in instances], split)
        todo = [i for i in instances if i.id not in cached]
        if todo and enforce_budget and (left := self.calls_left()) is not None and left <= 0:
            raise OutOfBudget()
        fresh = self._pay(cand, todo, split)
        return {i.id: cached.get(i.id) or fresh[i.id] for i in instances}

    def _pay(self, cand: Candidate, todo: Sequence[Instance], split: str) -> dict[str, Evaluation]:
        results: dict[str, Evaluation] = {}
        failed: list[Evaluation] = []
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            outcomes = pool.map(lambda i: self._one(cand, i, split), todo)
            for inst, ev in zip(todo, outcomes, strict=True):
                results[inst.id] = ev
                if ev.error is None:
                    self.archive.record_evaluation(self.run_id, self.task_key, ev)
                else:
                    failed.append(ev)
        if len(todo) >= 2 and len(failed) == len(todo):
            raise TaskError(
                f"Task '{self.task.name}' raised for every instance of a batch of {len(todo)} "
                f"({split}); first error: {failed[0].error}. Fix the task (or the model it "
                f"calls), then `galapagos resume {self.run_id}` picks up where it stopped.")
        for ev in failed:
            self.archive.record_evaluation(self.run_id, self.task_key, ev)
        return results

    def _one(self, cand: Candidate, inst: Instance, split: str) -> Evaluation:
        self.check_interrupt()
        start = time.perf_counter()
        try:
            r = self.task.evaluate(cand.components, inst)
        except (KeyboardInterrupt, Interrupted):
            raise
        except Exception as exc:  # noqa: BLE001 - one bad instance scores 0, the run goes on
            msg = f"{type(exc).__name__}: {exc}"[:1000]
            if isinstance(exc, GalapagosError):
                msg = str(exc)[:1000]
            return Evaluation(cand.id, inst.id, split, 0.0, feedback=f"The evaluator raised "
                              f"{msg}", error=msg, duration_s=time.perf_counter() - start)
        return Evaluation(cand.id, inst.id, split, float(r.score), r.output, r.feedback,
                          r.trace, dict(r.objectives), None, time.perf_counter() - start)
