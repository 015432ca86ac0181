"""Runs a task on a candidate over a batch of instances, through the archive's cache.

The same (task, candidate, instance, split) is never paid for twice: cached results are
read back, new ones are written one by one as they finish (so a crash loses at most the
evaluations in flight). Two kinds of failure are kept apart:

- the candidate's (or one instance's) fault: the task raised something ordinary for one
  instance; it scores 0 with the error as feedback, and that score is kept. A batch in which
  every instance raises is a systemic fault and stops the run, until the task has scored an
  evaluation without raising: after that, a candidate that makes it raise everywhere (output
  nested too deep to read, say) is at fault, and the run goes on.
- an infrastructure fault (``galapagos.errors.is_infrastructure``: Docker, a model's API,
  a connection): logged in ``eval_errors``, retried ``infra_retries`` times with backoff,
  and if it persists the run stops as failed. It is never stored as a score, so ``resume``
  re-does exactly those evaluations.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from galapagos.archive import Archive, Candidate, Evaluation
from galapagos.errors import (BadResult, EvaluationTimeout, GalapagosError,
                              InfrastructureError, Interrupted, LLMAuthError, TaskError,
                              is_infrastructure)
from galapagos.orchestrator.budget import OutOfBudget
from galapagos.deadline import Overdue, call_within
from galapagos.orchestrator.executors.base import Executor, LocalExecutor
from galapagos.tasks.boundary import checked
from galapagos.tasks.protocol import Instance, Task, traits

STOPS = (OutOfBudget, Interrupted, BadResult)  # end a batch at once, whatever else it holds


class Evaluator:
    def __init__(self, task: Task, archive: Archive, run_id: str, task_key: str, *,
                 workers: int = 1, guard: Callable[[], str | None] = lambda: None,
                 check_interrupt: Callable[[], None] = lambda: None, infra_retries: int = 2,
                 infra_backoff_s: float = 2.0, sleep: Callable[[float], None] = time.sleep,
                 executor: Executor | None = None, timeout_s: float | None = None,
                 abort: Callable[[], BaseException | None] = lambda: None):
        """``timeout_s``: how long one evaluation may take (past it: score 0, the thread
        left behind); ``abort``: asked while an evaluation runs, an exception to stop it
        with at once (a second Ctrl-C, the wall-clock budget)."""
        self.task, self.archive, self.run_id, self.task_key = task, archive, run_id, task_key
        self.executor = executor or LocalExecutor(task)
        self.timeout_s, self.abort = timeout_s, abort
        self._abandon = threading.Event()  # the process is stopping: wait for nothing
        self.workers, self.guard, self.check_interrupt = workers, guard, check_interrupt
        self.infra_retries, self.infra_backoff_s, self.sleep = (
            infra_retries, infra_backoff_s, sleep)
        self._works = False
        self.score_range = traits(task).score_range

    def run(self, cand: Candidate, instances: Sequence[Instance], split: str, *,
            enforce_budget: bool = True) -> dict[str, Evaluation]:
        cached = self.archive.cached_evaluations(self.task_key, cand.id,
                                                 [i.id for i in instances], split)
        todo = [i for i in instances if i.id not in cached]
        if todo and enforce_budget and (reason := self.guard()):
            raise OutOfBudget(reason)
        fresh = self._pay(cand, todo, split)
        return {i.id: cached.get(i.id) or fresh[i.id] for i in instances}

    def _pay(self, cand: Candidate, todo: Sequence[Instance], split: str) -> dict[str, Evaluation]:
        results: dict[str, Evaluation] = {}
        failed: list[Evaluation] = []
        stop: BaseException | None = None  # the first fault or stop; the paid are kept
        pool = ThreadPoolExecutor(max_workers=self.workers)
        halt = threading.Event()  # a persistent fault or a stop: start nothing more
        futures = [(i, pool.submit(self._one, cand, i, split, halt)) for i in todo]
        try:
            for inst, future in futures:  # record each as it is known; keep the rest paid
                try:
                    ev = future.result()
                except (InfrastructureError, *STOPS) as exc:
                    halt.set()
                    stop = stop or exc
                    continue
                if ev is None:  # not started: the batch halted
                    continue
                results[inst.id] = ev
                if ev.error is None:
                    self.archive.record_evaluation(self.run_id, self.task_key, ev)
                else:
                    failed.append(ev)
        except BaseException:  # a second Ctrl-C in this thread: wait for no evaluation
            halt.set()
            self._abandon.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        if isinstance(stop, STOPS):  # the batch ends here; keep what was paid
            self._record(failed)
            raise stop
        if len(todo) >= 2 and len(failed) == len(todo) and not self._task_works():
            raise TaskError(
                f"Task '{self.task.name}' raised for every instance of a batch of {len(todo)} "
                f"({split}); first error: {failed[0].error}. Fix the task (or the model it "
                f"calls), then `galapagos resume {self.run_id}` picks up where it stopped.")
        self._record(failed)
        if stop is not None:
            raise stop
        return results

    def _record(self, evaluations: Sequence[Evaluation]) -> None:
        for ev in evaluations:
            self.archive.record_evaluation(self.run_id, self.task_key, ev)

    def _task_works(self) -> bool:
        """Has this task scored any evaluation without raising? Then a candidate that makes
        it raise everywhere is at fault (score 0), not the task (stop the run)."""
        if not self._works:
            self._works = self.archive.has_clean_evaluation(self.task_key)
        return self._works

    def _one(self, cand: Candidate, inst: Instance, split: str,
             halt: threading.Event) -> Evaluation | None:
        tries = self.infra_retries + 1
        for attempt in range(1, tries + 1):
            if halt.is_set():
                return None
            ev, exc = self._attempt(cand, inst, split)
            if exc is None:
                return ev
            self.archive.record_eval_error(self.run_id, self.task_key, ev, attempt)
            if attempt == tries or isinstance(exc, LLMAuthError):  # no retry fixes a key
                halt.set()
                raise InfrastructureError(
                    f"Infrastructure fault evaluating candidate {cand.id[:12]} on {inst.id} "
                    f"({split}), {tries} tries: {ev.error}. Nothing was scored for it. Fix "
                    f"the cause (Docker engine, model server, network), then `galapagos "
                    f"resume {self.run_id}` re-does exactly the evaluations that failed."
                ) from exc
            self.sleep(self.infra_backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _stopping(self) -> BaseException | None:
        """Why an evaluation in progress must be abandoned now, if it must."""
        if self._abandon.is_set():
            return Interrupted("Stopped at once; the evaluations in progress were abandoned.")
        return self.abort()

    @staticmethod
    def _failed(cand: Candidate, inst: Instance, split: str, msg: str,
                start: float) -> Evaluation:
        return Evaluation(cand.id, inst.id, split, 0.0, feedback=f"The evaluator raised {msg}",
                          error=msg, duration_s=time.perf_counter() - start)

    def _attempt(self, cand: Candidate, inst: Instance, split: str
                 ) -> tuple[Evaluation, BaseException | None]:
        self.check_interrupt()
        start = time.perf_counter()
        try:
            r = call_within(lambda: self.executor.evaluate(cand, inst), self.timeout_s,
                            self._stopping, f"evaluation of {inst.id}")
        except Overdue as exc:
            timeout = EvaluationTimeout(
                f"The task's evaluate() {exc} ([task] eval_timeout_s): scored 0, and "
                "whatever it was doing was left behind.")
            return self._failed(cand, inst, split, str(timeout), start), None
        except (KeyboardInterrupt, Interrupted, BadResult, OutOfBudget):
            raise
        except Exception as exc:  # noqa: BLE001 - sorted into candidate's fault or machinery's
            msg = (str(exc) if isinstance(exc, GalapagosError)
                   else f"{type(exc).__name__}: {exc}")[:1000]
            return (self._failed(cand, inst, split, msg, start),
                    exc if is_infrastructure(exc) else None)
        r = checked(r, self.task.name, inst, self.score_range)  # a bad score: BadResult
        objectives = {**self.archive.served(cand.id, inst.id), **r.objectives}
        return Evaluation(cand.id, inst.id, split, r.score, r.output, r.feedback,
                          r.trace, objectives, None, time.perf_counter() - start), None
