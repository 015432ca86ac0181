"""Numbered schema migrations, applied in order when an archive is opened.

Each migration is a function ``mNNN_name(db)``; the ``_migrations`` table records which
ran. Never edit a released migration: add the next number. Objectives beyond the score
(cost, latency, tokens, GPU-seconds) live in JSON columns so that new ones need no change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {
            "id": str, "created_at": str, "updated_at": str, "status": str,
            "task": str, "task_key": str, "seed": int, "config": str,
            "seed_candidate": str, "best_candidate": str, "stop_reason": str, "summary": str,
        },
        pk="id",
    )
    db["candidates"].create(
        {"id": str, "components": str, "parents": str, "proposer": str, "meta": str,
         "created_at": str},
        pk="id",
    )
    db["run_candidates"].create(
        {"run_id": str, "candidate_id": str, "iteration": int, "role": str, "created_at": str},
        pk=("run_id", "candidate_id"),
        foreign_keys=[("run_id", "runs", "id"), ("candidate_id", "candidates", "id")],
    )
    db["evaluations"].create(
        {
            "id": int, "task_key": str, "candidate_id": str, "instance_id": str, "split": str,
            "score": float, "objectives": str, "output": str, "feedback": str, "trace": str,
            "error": str, "duration_s": float, "run_id": str, "created_at": str,
        },
        pk="id",
    )
    db["evaluations"].create_index(
        ["task_key", "candidate_id", "instance_id", "split"], unique=True
    )
    db["evaluations"].create_index(["run_id"])
    db["llm_calls"].create(
        {
            "id": int, "run_id": str, "cache_key": str, "model": str, "purpose": str,
            "messages": str, "response": str, "prompt_tokens": int, "completion_tokens": int,
            "cost_usd": float, "latency_s": float, "error": str, "attempt": int,
            "created_at": str,
        },
        pk="id",
    )
    db["llm_calls"].create_index(["cache_key"])
    db["llm_calls"].create_index(["run_id"])
    db["events"].create(
        {"id": int, "run_id": str, "key": str, "kind": str, "iteration": int, "data": str,
         "created_at": str},
        pk="id",
    )
    db["events"].create_index(["run_id", "key"], unique=True)


@migration
def m002_run_owner(db: sqlite_utils.Database) -> None:
    """Which process drives a run (host:pid:start), so a second one cannot resume it too."""
    db["runs"].add_column("owner", str)


@migration
def m003_eval_errors(db: sqlite_utils.Database) -> None:
    """Infrastructure faults met while evaluating (Docker, a model's API): kept apart from
    evaluations, so they are never served from the cache as a score."""
    db["eval_errors"].create(
        {"id": int, "run_id": str, "task_key": str, "candidate_id": str, "instance_id": str,
         "split": str, "attempt": int, "error": str, "created_at": str},
        pk="id",
    )
    db["eval_errors"].create_index(["run_id"])


@migration
def m004_file_blobs(db: sqlite_utils.Database) -> None:
    """Programs as candidates: file contents stored once each by content hash (zlib), and
    per candidate the hash of its tree (a blob mapping path -> content hash)."""
    db["blobs"].create({"hash": str, "size": int, "data": bytes}, pk="hash")
    db["candidates"].add_column("files", str)


@migration
def m005_calls_by_split(db: sqlite_utils.Database) -> None:
    """Metric calls per split of a run are counted on every UI poll: answer from an index."""
    db["evaluations"].create_index(["run_id", "split"], if_not_exists=True)


@migration
def m006_call_owners(db: sqlite_utils.Database) -> None:
    """Which candidate and instance an LLM call served (sandboxed agents call models
    through the gateway during their evaluation): the trace of an evaluation, and the
    cost of a candidate, read from one table."""
    db["llm_calls"].add_column("candidate_id", str)
    db["llm_calls"].add_column("instance_id", str)
    db["llm_calls"].create_index(["candidate_id", "instance_id"])


@migration
def m007_frontier_summaries(db: sqlite_utils.Database) -> None:
    """A run's frontier as the loop holds it (per val instance the top score, per candidate
    the instances it leads and its val mean), rewritten when a candidate joins the pool:
    the UI reads it instead of scanning every val score of the run."""
    db["frontier_summaries"].create({"run_id": str, "data": str, "updated_at": str},
                                    pk="run_id", foreign_keys=[("run_id", "runs", "id")])


@migration
def m008_meta_prompts(db: sqlite_utils.Database) -> None:
    """Meta-candidates (STOP): the reflection templates a run evolved, each with the one it
    came from. A child records the meta-prompt that made it in its candidate meta."""
    db["meta_prompts"].create({"run_id": str, "id": str, "template": str, "read": str,
                               "parent": str, "iteration": int, "created_at": str},
                              pk=("run_id", "id"), foreign_keys=[("run_id", "runs", "id")])


@migration
def m009_finite_scores(db: sqlite_utils.Database) -> None:
    """Scores that are not finite numbers, stored before the task boundary refused them
    (NaN arrives as NULL, an infinity as itself, a string as text), become 0 with the reason
    as the error: every reader of the archive can then take a score as a number, and
    ``resume`` pays for those evaluations again instead of serving them from the cache."""
    db.execute(
        "update evaluations set score = 0.0, error = coalesce(error, 'the task returned the "
        "score ' || coalesce(quote(score), 'NaN') || ', not a finite number (stored by an "
        "older version)') where typeof(score) not in ('real', 'integer') or score > "
        "1.7976931348623157e308 or score < -1.7976931348623157e308")


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    Each runs under the write lock, taken first (BEGIN IMMEDIATE waits for it), and what is
    done is read again inside it: two processes opening a new archive at once (a run and
    the UI, say) do each migration once, and neither fails on a lock."""
    applied = []
    for fn in MIGRATIONS:
        with db.conn:
            db.execute("begin immediate")
            if "_migrations" not in db.table_names():
                db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
            if db.execute("select 1 from _migrations where name = ?",
                          [fn.__name__]).fetchone():
                continue
            fn(db)
            db["_migrations"].insert(
                {"name": fn.__name__, "applied_at": datetime.now(timezone.utc).isoformat()}
            )
        applied.append(fn.__name__)
    return applied
