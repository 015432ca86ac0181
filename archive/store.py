"""The Archive: one SQLite file (WAL) holding runs, candidates, evaluations, LLM calls
and events. Writes are transactions; inserts of paid-for results are idempotent, so a
node that re-runs after a crash finds its earlier results instead of paying again."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from galapagos.archive import clean
from galapagos.archive.migrations import MIGRATIONS, apply_migrations
from galapagos.archive.blobs import BlobStore
from galapagos.archive.events import IterationEnded, RunEvent, read_event
from galapagos.archive.progress import ProgressViews
from galapagos.archive.records import Candidate, Evaluation
from galapagos.archive.meta import MetaViews
from galapagos.archive.summaries import SummaryViews
from galapagos.errors import ArchiveError, RunNotFound


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


_dumps = clean.dumps


E = TypeVar("E", bound=RunEvent)


def _loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


class Archive(BlobStore, ProgressViews, SummaryViews, MetaViews):
    """A project's archive. Thread-safe for the writes the loop and its workers make."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        """``readonly``: open without writing anything (no WAL switch, no migration), for
        an archive on a read-only mount or an immutable file; see ``for_reading``."""
        self.path, self.readonly = Path(path), readonly
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path, readonly)
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                self.db.enable_wal()
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            self._check_version()
            if not readonly:
                apply_migrations(self.db)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise archive_fault(exc, self.path) from exc
        self._lock = threading.RLock()
        # one connection, many threads: a sqlite-utils query (a savepoint) must not
        # interleave with another thread's transaction
        query = self.db.query
        self.db.query = lambda sql, params=None: self._locked(query, sql, params)

    def _locked(self, query: Any, sql: str, params: Any) -> Iterator[dict[str, Any]]:
        with self._lock:
            return iter(list(query(sql, params)))

    @classmethod
    def for_reading(cls, path: str | Path) -> "Archive":
        """The archive for a command that only reads it (runs, show, export, ui): opened
        as usual where it can be written, else read-only."""
        try:
            return cls(path)
        except ArchiveError as exc:
            if not isinstance(exc.__cause__, sqlite3.OperationalError):
                raise
        return cls(path, readonly=True)

    def _check_version(self) -> None:
        if "_migrations" not in self.db.table_names():
            if self.readonly:
                raise ArchiveError(f"{self.path} is not a Galápagos archive (it has no "
                                   "migrations table); point --archive at another path.")
            return
        known = {fn.__name__ for fn in MIGRATIONS}
        done = {r["name"] for r in self.db["_migrations"].rows}
        if unknown := done - known:
            raise ArchiveError(
                f"The archive {self.path} was written by a newer Galápagos (migrations "
                f"{sorted(unknown)} are unknown here). Upgrade Galápagos to read it."
            )
        if self.readonly and known - done:
            raise ArchiveError(
                f"The archive {self.path} was written by an older Galápagos and cannot be "
                "upgraded where it is, read-only. Copy it somewhere writable and open the copy.")

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with self._lock, self.db.conn:
                yield
        except sqlite3.OperationalError as exc:  # a full disk, a read-only file: say so
            raise archive_fault(exc, self.path) from exc

    # runs -----------------------------------------------------------------
    def create_run(self, run_id: str, *, task: str, task_key: str, seed: int,
                   config: dict[str, Any]) -> None:
        with self.transaction():
            self.db["runs"].insert({
                "id": run_id, "created_at": now(), "updated_at": now(), "status": "created",
                "task": task, "task_key": task_key, "seed": seed, "config": _dumps(config),
            })

    def update_run(self, run_id: str, **fields: Any) -> None:
        for key in ("summary", "config"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = _dumps(fields[key])
        with self.transaction():
            self.db["runs"].update(run_id, {**{k: clean.text(v) for k, v in fields.items()},
                                            "updated_at": now()})

    def get_run(self, run_id: str) -> dict[str, Any]:
        rows = list(self.db.query("select * from runs where id = ? or id like ? order by "
                                  "created_at", [run_id, f"{run_id}%"]))
        exact = [r for r in rows if r["id"] == run_id]
        if exact:
            rows = exact
        if len(rows) != 1:
            what = "No run" if not rows else f"{len(rows)} runs"
            raise RunNotFound(
                f"{what} matching '{run_id}' in {self.path}. `galapagos runs` lists the "
                "runs of this archive; pass a full id or a unique prefix."
            )
        row = dict(rows[0])
        row["config"] = _loads(row["config"], {})
        row["summary"] = _loads(row["summary"], {})
        return row

    def stop_file(self, run_id: str) -> Path:
        """The file whose existence asks a run to stop at its next safe point."""
        run = self.get_run(run_id)
        return Path(run["config"].get("budget", {}).get("stop_file")
                    or self.path.parent / f"stop-{run['id']}")

    def request_stop(self, run_id: str) -> Path:
        """Ask a run to stop at its next safe point: write its stop file, marked as ours so
        that the run removes this file, and only this, when it ends."""
        path = self.stop_file(run_id)
        if not path.exists():
            path.write_text(_stop_mark(self.get_run(run_id)["id"]))
        return path

    def clear_stop(self, run_id: str) -> None:
        """Remove a stop file that ``request_stop`` wrote for this run; anything else at
        that path (a file the user named, a device) is left as it is."""
        path = self.stop_file(run_id)
        try:
            if path.is_file() and not path.is_symlink() and \
                    path.read_text(errors="replace") == _stop_mark(run_id):
                path.unlink()
        except OSError:
            pass

    def list_runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("select * from runs order by created_at desc")]

    # candidates -----------------------------------------------------------
    def add_candidate(self, run_id: str, cand: Candidate, *, iteration: int, role: str) -> str:
        with self.transaction():
            self._insert_candidate(cand)
            self.db.execute(
                "insert into run_candidates(run_id, candidate_id, iteration, role, created_at) "
                "values (?,?,?,?,?) on conflict(run_id, candidate_id) do update set "
                "role = case when excluded.role in ('seed','accepted') then excluded.role "
                "else run_candidates.role end",
                [run_id, cand.id, iteration, role, now()],
            )
        return cand.id

    def _insert_candidate(self, cand: Candidate) -> None:
        tree = self._put_tree(cand.files) if cand.files else None
        self.db["candidates"].insert({
            "id": cand.id, "components": _dumps(cand.components),
            "parents": _dumps(list(cand.parents)), "proposer": cand.proposer,
            "meta": _dumps(cand.meta), "created_at": now(), "files": tree,
        }, ignore=True)

    def get_candidate(self, cid: str) -> Candidate:
        rows = list(self.db.query("select * from candidates where id = ? or id like ?",
                                  [cid, f"{cid}%"]))
        if len(rows) != 1:
            raise ArchiveError(f"No single candidate matches '{cid}' in {self.path}.")
        r = rows[0]
        return Candidate(_loads(r["components"]), tuple(_loads(r["parents"], [])),
                         r["proposer"], _loads(r["meta"], {}), self._files(r.get("files")))

    def pool(self, run_id: str) -> list[str]:
        """Candidates of a run that were scored on the full val split (seed + accepted)."""
        return [r["candidate_id"] for r in self.db.query(
            "select candidate_id from run_candidates where run_id = ? and role in "
            "('seed','accepted') order by iteration, created_at", [run_id])]

    def candidate_ids(self, run_id: str, before: int | None = None) -> set[str]:
        """Every candidate a run has tried (optionally in iterations before ``before``)."""
        sql = "select candidate_id from run_candidates where run_id = ?" + (
            "" if before is None else " and iteration < ?")
        args = [run_id] if before is None else [run_id, before]
        return {r[0] for r in self.db.execute(sql, args)}

    def run_candidates(self, run_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query(
            "select rc.*, c.proposer, c.parents from run_candidates rc join candidates c "
            "on c.id = rc.candidate_id where run_id = ? order by iteration", [run_id])]

    def children(self, run_id: str) -> dict[str, int]:
        """How many candidates of a run name each candidate as a parent (tried ones too)."""
        return dict(self.db.execute(
            "select p.value, count(*) from run_candidates rc join candidates c on c.id = "
            "rc.candidate_id, json_each(c.parents) p where rc.run_id = ? group by p.value",
            [run_id]).fetchall())

    def lineage(self, cid: str) -> list[str]:
        """Every ancestor of a candidate, nearest first: one recursive query over parents."""
        rows = self.db.execute(
            "with recursive anc(id, depth) as ("
            "  select p.value, 1 from candidates c, json_each(c.parents) p where c.id = ?"
            "  union"
            "  select p.value, anc.depth + 1 from anc join candidates c on c.id = anc.id,"
            "  json_each(c.parents) p)"
            " select id, min(depth) d from anc group by id order by d, id", [cid]).fetchall()
        return [r[0] for r in rows]

    def frontier(self, run_id: str, task_key: str) -> dict[str, tuple[float, list[str]]]:
        """Per val instance: the best score among the run's pool and who reaches it."""
        rows = self.db.execute(
            "with pool as (select candidate_id from run_candidates where run_id = ? and role in"
            " ('seed','accepted')), s as (select e.instance_id, e.candidate_id, e.score from"
            " evaluations e join pool using (candidate_id) where e.task_key = ? and"
            " e.split = 'val'), best as (select instance_id, max(score) top from s group by"
            " instance_id) select s.instance_id, best.top, group_concat(s.candidate_id) from s"
            " join best on best.instance_id = s.instance_id and s.score >= best.top - 1e-9"
            " group by s.instance_id", [run_id, task_key]).fetchall()
        return {iid: (top, sorted(ids.split(","))) for iid, top, ids in rows}

    # evaluations ----------------------------------------------------------
    def cached_evaluations(self, task_key: str, cid: str, instance_ids: Iterable[str],
                           split: str) -> dict[str, Evaluation]:
        ids = list(instance_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.query(
            f"select * from evaluations where task_key = ? and candidate_id = ? and split = ? "
            f"and instance_id in ({marks})", [task_key, cid, split, *ids])
        return {r["instance_id"]: _row_to_eval(r) for r in rows}

    def record_evaluation(self, run_id: str, task_key: str, ev: Evaluation) -> None:
        with self.transaction():
            self.db["evaluations"].insert({
                "task_key": task_key, "candidate_id": ev.candidate_id,
                "instance_id": ev.instance_id, "split": ev.split, "score": ev.score,
                "objectives": _dumps(ev.objectives), "output": clean.text(ev.output),
                "feedback": clean.text(ev.feedback), "trace": _dumps(ev.trace),
                "error": clean.text(ev.error),
                "duration_s": ev.duration_s, "run_id": run_id, "created_at": now(),
            }, ignore=True)

    def has_clean_evaluation(self, task_key: str) -> bool:
        """Whether any evaluation of this task was scored without the task raising."""
        return self.db.execute("select 1 from evaluations where task_key = ? and error is "
                               "null limit 1", [task_key]).fetchone() is not None

    def record_eval_error(self, run_id: str, task_key: str, ev: Evaluation,
                          attempt: int) -> None:
        """An infrastructure fault on one (candidate, instance): logged, never a score."""
        with self.transaction():
            self.db["eval_errors"].insert({
                "run_id": run_id, "task_key": task_key, "candidate_id": ev.candidate_id,
                "instance_id": ev.instance_id, "split": ev.split, "attempt": attempt,
                "error": clean.text(ev.error), "created_at": now()})

    def scores(self, task_key: str, cids: Iterable[str], split: str) -> dict[str, dict[str, float]]:
        ids = list(cids)
        out: dict[str, dict[str, float]] = {c: {} for c in ids}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self.db.execute(
                f"select candidate_id, instance_id, score from evaluations where task_key = ? "
                f"and split = ? and candidate_id in ({marks})", [task_key, split, *ids])
            for cid, iid, score in rows:
                out[cid][iid] = score
        return out

    # llm calls ------------------------------------------------------------
    def record_llm_call(self, row: dict[str, Any]) -> None:
        row = {**{k: clean.text(v) for k, v in row.items()},
               "messages": _dumps(row.get("messages")), "created_at": now()}
        with self.transaction():
            self.db["llm_calls"].insert(row)

    def cached_llm_response(self, cache_key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from llm_calls where cache_key = ? and error is "
                                  "null order by id limit 1", [cache_key]))
        return dict(rows[0]) if rows else None

    # events ---------------------------------------------------------------
    def emit(self, event: RunEvent, key: str) -> bool:
        """Record an event once; a re-run node that emits the same key is ignored."""
        with self.transaction():
            cur = self.db.execute(
                "insert or ignore into events(run_id, key, kind, iteration, data, created_at) "
                "values (?,?,?,?,?,?)", [event.run_id, key, event.kind, event.iteration,
                                         _dumps(event.data()), now()])
        return cur.rowcount == 1

    def run_events(self, run_id: str, kind: type[E], after: int = -1,
                   parent: str | None = None) -> list[E]:
        """A run's events of one kind (``RunEvent``: of every kind), typed, in order;
        ``after`` keeps those of later iterations only (live views), ``parent`` those of
        iterations on that parent."""
        sql = "select kind, iteration, data from events where run_id = ? and iteration > ?" + (
            " and kind = ?" if kind.kind else "") + (
            " and json_extract(data, '$.parent') = ?" if parent else "")
        rows = self.db.execute(sql + " order by id", [run_id, after,
                                                       *([kind.kind] if kind.kind else []),
                                                       *([parent] if parent else [])])
        return [read_event(k, run_id, it, _loads(data, {}))  # type: ignore[misc]
                for k, it, data in rows]

    def iterations(self, run_id: str, after: int = -1,
                   parent: str | None = None) -> list[IterationEnded]:
        """A run's iteration records, typed, in order (see ``run_events``)."""
        return self.run_events(run_id, IterationEnded, after, parent)

    def events(self, run_id: str, kind: str | None = None, after_id: int = 0,
               parent: str | None = None) -> list[dict[str, Any]]:
        """A run's events in order; ``after_id`` returns only newer ones (live views),
        ``parent`` only those of iterations on that parent."""
        sql = "select * from events where run_id = ? and id > ?" + (
            " and kind = ?" if kind else "") + (
            " and json_extract(data, '$.parent') = ?" if parent else "")
        args = [run_id, after_id, *([kind] if kind else []), *([parent] if parent else [])]
        rows = self.db.query(sql + " order by id", args)
        return [{**dict(r), "data": _loads(r["data"], {})} for r in rows]


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    """A connection; read-only ones read a file they may not lock (an immutable file, a
    read-only mount with no WAL files beside it) as the immutable file it then is."""
    if not readonly:
        return sqlite3.connect(path, check_same_thread=False, timeout=30)
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("select count(*) from sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


def archive_fault(exc: BaseException, path: Path) -> ArchiveError:
    """An error of the archive's file, as what happened and what to do about it."""
    text = str(exc)
    if "full" in text or getattr(exc, "errno", None) == 28:
        why = (f"the disk holding the archive {path} is full ({text}). Free some space; "
               "what was written is kept, and `galapagos resume RUN` continues the run")
    elif "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        why = (f"the archive {path} cannot be written ({text}): it is on a read-only mount, "
               "immutable, or not yours. Runs need a writable archive; `runs`, `show`, "
               "`export` and `ui` read a read-only one")
    elif "locked" in text:
        why = (f"the archive {path} is locked by another process ({text}); try again when "
               "that process has finished writing")
    else:
        why = (f"cannot open the archive {path}: {text}. If the file is not a Galápagos "
               "archive, point --archive at another path")
    return ArchiveError(why[0].upper() + why[1:] + ".")


def _stop_mark(run_id: str) -> str:
    return f"galapagos stop {run_id}\n"


def _row_to_eval(r: dict[str, Any]) -> Evaluation:
    return Evaluation(
        candidate_id=r["candidate_id"], instance_id=r["instance_id"], split=r["split"],
        score=r["score"], output=r["output"] or "", feedback=r["feedback"] or "",
        trace=_loads(r["trace"]), objectives=_loads(r["objectives"], {}), error=r["error"],
        duration_s=r["duration_s"] or 0.0,
    )
