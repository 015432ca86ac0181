"""Reading an archive from Python, typed and read-only: the same reads the UI and
``galapagos show`` use, no SQL.

    db = gp.open("runs.db")
    run = db.run()                     # the newest run (or db.run("sentiment-1a2b"))
    run.best.components, run.row.best_val
    [(c.id[:8], c.parents, c.val) for c in run.candidates()]
    run.scores(run.best.id, "val")     # per instance: score, output, feedback
    run.to_pandas("candidates")        # with pandas installed
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from galapagos.archive import Archive
from galapagos.archive.events import IterationEnded, RunEvent
from galapagos.archive.reads import CallRow, InstanceScore, RunRow, Spend
from galapagos.errors import ConfigError


@dataclass(frozen=True)
class CandidateInfo:
    """A candidate of a run: its content, parents, how it came about and its means."""

    id: str
    components: dict[str, str]
    files: dict[str, str]
    parents: tuple[str, ...]
    proposer: str
    role: str                  # seed, accepted (scored on val), rejected, failed, ...
    iteration: int
    val: float | None
    test: float | None
    meta: dict[str, Any] = field(default_factory=dict)


def open(path: str | Path) -> "ArchiveReader":  # noqa: A001 - the API's name for it
    """The archive at ``path``, read-only (a run writing to it meanwhile is fine)."""
    if not Path(path).exists():
        raise ConfigError(f"No archive at {Path(path).absolute()}: pass the path a run "
                          "wrote (optimize(archive=...), or run.archive in a config).")
    return ArchiveReader(Archive.for_reading(path))


class ArchiveReader:
    """An archive opened for reading: its runs, and each run's details (``run``)."""

    def __init__(self, archive: Archive):
        self.archive = archive

    def runs(self) -> list[RunRow]:
        """Every run, newest first: status, task, iterations, best val/test, spend."""
        return self.archive.run_rows()

    def run(self, run_id: str | None = None) -> "RunReader":
        """One run by id (or a unique prefix); without one, the newest."""
        if run_id is None:
            rows = self.runs()
            if not rows:
                raise ConfigError(f"The archive {self.archive.path} holds no runs yet.")
            run_id = rows[0].id
        return RunReader(self.archive, self.archive.get_run(run_id)["id"])

    def to_pandas(self) -> Any:
        """The runs as a DataFrame."""
        return _frame(self.runs())

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> "ArchiveReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RunReader:
    """One run: its row, candidates, per-instance scores, frontier, events and calls."""

    def __init__(self, archive: Archive, run_id: str):
        self.archive, self.id = archive, run_id
        self._run = archive.get_run(run_id)
        self.task_key: str = self._run["task_key"]

    @property
    def row(self) -> RunRow:
        return next(r for r in self.archive.run_rows() if r.id == self.id)

    @property
    def config(self) -> dict[str, Any]:
        return self._run["config"]

    @property
    def summary(self) -> dict[str, Any]:
        """What the run's finish recorded (empty while it runs)."""
        return self.archive.get_run(self.id)["summary"]

    @property
    def best(self) -> CandidateInfo | None:
        """The run's final choice, or while it runs the best val mean so far (None before
        its seed is stored)."""
        run = self.archive.get_run(self.id)
        means = self.archive.val_means(self.task_key, self.id)
        cid = run.get("best_candidate") or max(means, key=means.get,
                                                default=run["seed_candidate"])
        return None if cid is None else self.candidate(cid)

    def candidates(self) -> list[CandidateInfo]:
        """Every candidate the run tried, in the order it tried them."""
        return [self._info(r) for r in self.archive.run_candidates(self.id)]

    def candidate(self, cid: str) -> CandidateInfo:
        full = self.archive.get_candidate(cid).id
        row = next(r for r in self.archive.run_candidates(self.id)
                   if r["candidate_id"] == full)
        return self._info(row)

    def scores(self, cid: str, split: str = "val") -> list[InstanceScore]:
        """A candidate's score on each instance of a split, with output and feedback."""
        return self.archive.instance_scores(self.task_key, self.archive.get_candidate(cid).id,
                                            split)

    def frontier(self) -> dict[str, tuple[float, list[str]]]:
        """Per val instance: the best score and the candidates that reach it."""
        return self.archive.frontier(self.id, self.task_key)

    def iterations(self) -> list[IterationEnded]:
        return self.archive.iterations(self.id)

    def events(self) -> list[RunEvent]:
        """Every typed event the run emitted, in order."""
        return self.archive.run_events(self.id, RunEvent)

    def calls(self, search: str = "") -> list[CallRow]:
        """The run's LLM calls (``search`` matches purpose, model, prompt, answer, error);
        ``call_text(id)`` has a call's messages and answer."""
        return self.archive.call_rows(self.id, search)

    def call_text(self, call_id: int) -> dict[str, Any]:
        return self.archive.llm_call(call_id)

    def spend(self) -> list[Spend]:
        """LLM calls by purpose and model: count, errors, tokens, dollars, seconds."""
        return self.archive.spend(self.id)

    def to_pandas(self, what: str = "candidates") -> Any:
        """``candidates``, ``iterations``, ``calls`` or ``spend`` as a DataFrame."""
        tables = {"candidates": self.candidates, "iterations": self.iterations,
                  "calls": self.calls, "spend": self.spend}
        if what not in tables:
            raise ConfigError(f"to_pandas({what!r}): choose one of {', '.join(tables)}.")
        return _frame(tables[what]())

    def _info(self, row: dict[str, Any]) -> CandidateInfo:
        cand = self.archive.get_candidate(row["candidate_id"])
        means = self.archive.split_means(self.task_key, cand.id)
        return CandidateInfo(cand.id, cand.components, cand.files, cand.parents,
                             cand.proposer, row["role"], row["iteration"],
                             means.get("val", (None, 0))[0], means.get("test", (None, 0))[0],
                             cand.meta)


def _frame(rows: list[Any]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("to_pandas() needs pandas: pip install 'galapagos[pandas]'.") from None
    return pd.DataFrame([asdict(r) if is_dataclass(r) else dict(r) for r in rows])
