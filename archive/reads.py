"""Typed read methods for reports, scripts and the terminal UI: what a run did, in plain
records, so that no table or widget writes SQL. A mixin of ``Archive``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RunRow:
    id: str
    status: str
    task: str
    iterations: int | None
    seed_val: float | None
    best_val: float | None
    best_test: float | None
    search_calls: int          # evaluations the search paid for (train and val)
    test_calls: int            # evaluations spent scoring the test split
    llm_usd: float
    elapsed_s: float | None
    stop_reason: str | None
    best: str | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InstanceScore:
    instance_id: str
    split: str
    score: float
    output: str
    feedback: str
    error: str | None


@dataclass(frozen=True)
class CallRow:
    """An LLM call without its prompt and answer (``llm_call`` fetches those)."""

    id: int
    purpose: str
    model: str
    attempt: int
    tokens: int
    usd: float
    latency_s: float
    error: str
    candidate_id: str = ""   # the evaluation it served (a sandboxed agent's or task's call)
    instance_id: str = ""
    iteration: int | None = None  # the search iteration it served (a proposer's call)

    @property
    def served(self) -> str:
        """What the call was for, in a few characters."""
        if self.candidate_id:
            return f"{self.candidate_id[:8]} {self.instance_id}".strip()
        return "-" if self.iteration is None else f"iteration {self.iteration}"


@dataclass(frozen=True)
class Spend:
    purpose: str
    model: str
    calls: int
    errors: int
    tokens: int
    usd: float
    seconds: float


class ReadViews:
    db: Any  # Archive's

    def metric_calls(self, run_id: str, search_only: bool = False) -> int:
        """Evaluations this run paid for (cache hits from other runs are free); with
        ``search_only``, those the search spent (train and val), which the budget counts,
        not those spent scoring the test split for the report."""
        sql = "select count(*) from evaluations where run_id = ?" + (
            " and split != 'test'" if search_only else "")
        return self.db.execute(sql, [run_id]).fetchone()[0]

    def val_results(self, task_key: str, cids: list[str]
                    ) -> dict[str, dict[str, tuple[float, dict[str, float]]]]:
        """Per candidate (in the order given), per val instance: score and objectives."""
        out: dict[str, dict[str, tuple[float, dict[str, float]]]] = {c: {} for c in cids}
        for k in range(0, len(cids), 500):  # within SQLite's bound on parameters
            part = cids[k:k + 500]
            for cid, iid, score, objectives in self.db.execute(
                    "select candidate_id, instance_id, score, objectives from evaluations where "
                    f"task_key = ? and split = 'val' and candidate_id in "
                    f"({','.join('?' * len(part))}) order by id", [task_key, *part]):
                out[cid][iid] = (score, json.loads(objectives) if objectives else {})
        return out

    def train_outcomes(self, run_id: str, cost: str) -> dict[str, tuple[float, float, bool]]:
        """Per candidate of a run scored on train: its mean score, its mean cost (the
        objective named ``cost``, else the evaluation's seconds) and whether any of its
        evaluations raised (a crash, a timeout: a failure, not a low score)."""
        return {cid: (score, c, bool(failed)) for cid, score, c, failed in self.db.execute(
            "select e.candidate_id, avg(e.score), avg(coalesce(json_extract(e.objectives, "
            "'$.\"' || ? || '\"'), e.duration_s)), max(e.error is not null) from evaluations e "
            "join run_candidates rc on rc.candidate_id = e.candidate_id and rc.run_id = ? "
            "join runs r on r.id = rc.run_id where e.task_key = r.task_key and e.split = "
            "'train' group by e.candidate_id", [cost, run_id])}

    def train_instances(self, run_id: str, cid: str) -> set[str]:
        """The train instances a candidate has been scored on, for this run's task."""
        return {iid for (iid,) in self.db.execute(
            "select e.instance_id from evaluations e join runs r on r.task_key = e.task_key "
            "where r.id = ? and e.candidate_id = ? and e.split = 'train'", [run_id, cid])}

    def costs_in_order(self, run_id: str, cost: str) -> list[tuple[str, str, float]]:
        """The search's evaluations (train and val) in the order the run paid for them:
        candidate, split and cost (the objective named ``cost``, else the seconds)."""
        return [(cid, split, float(c or 0.0)) for cid, split, c in self.db.execute(
            "select candidate_id, split, coalesce(json_extract(objectives, '$.\"' || ? || "
            "'\"'), duration_s) from evaluations where run_id = ? and split != 'test' "
            "order by id", [cost, run_id])]

    def last_new_child(self, run_id: str) -> int:
        """The last iteration that tried a new candidate (0: none has)."""
        return self.db.execute(
            "select coalesce(max(iteration), 0) from events where run_id = ? and kind = "
            "'iteration' and json_extract(data, '$.child') is not null", [run_id]).fetchone()[0]

    def gpu_seconds(self, run_id: str, search_only: bool = False) -> float:
        """GPU-seconds this run's evaluations held (``search_only``: train and val, which
        the budget counts)."""
        return self.objective_total(run_id, "gpu_s", search_only)

    def objective_total(self, run_id: str, name: str, search_only: bool = False) -> float:
        """The sum of one objective over this run's evaluations (``duration_s``: their
        seconds); ``search_only``: train and val, which the budget counts."""
        value = "duration_s" if name == "duration_s" else \
            "json_extract(objectives, '$.\"' || ? || '\"')"
        sql = (f"select coalesce(sum({value}), 0) from evaluations where run_id = ? and "
               "json_valid(objectives)") + (" and split != 'test'" if search_only else "")
        args = [run_id] if name == "duration_s" else [name, run_id]
        return float(self.db.execute(sql, args).fetchone()[0])

    def gpu_seconds_by_candidate(self, run_id: str) -> dict[str, float]:
        """GPU-seconds per candidate, over the evaluations this run paid for."""
        return dict(self.db.execute(
            "select candidate_id, sum(json_extract(objectives, '$.gpu_s')) from evaluations "
            "where run_id = ? and json_valid(objectives) and json_extract(objectives, "
            "'$.gpu_s') > 0 group by candidate_id", [run_id]).fetchall())

    def llm_spend(self, run_id: str) -> tuple[float, int]:
        usd, tokens = self.db.execute(
            "select coalesce(sum(cost_usd),0), coalesce(sum(prompt_tokens+completion_tokens),0)"
            " from llm_calls where run_id = ?", [run_id]).fetchone()
        return float(usd), int(tokens)

    def answered_calls(self, cid: str, iid: str) -> dict[str, dict[str, Any]]:
        """The cache-keyed answers an evaluation of ``cid`` on ``iid`` already paid for."""
        rows = self.db.query(
            "select cache_key, response, prompt_tokens, completion_tokens from llm_calls"
            " where candidate_id = ? and instance_id = ? and error is null and cache_key "
            "is not null", [cid, iid])
        return {r["cache_key"]: dict(r) for r in rows}

    def served(self, cid: str, iid: str) -> dict[str, float]:
        """What the LLM calls an evaluation of ``cid`` on ``iid`` made cost (its sandboxed
        agent's, or the task's own model calls): calls, tokens, dollars; {} for none."""
        row = next(self.db.query(  # locked: evaluations run in threads
            "select count(*) llm_calls, coalesce(sum(coalesce(prompt_tokens, 0) + coalesce("
            "completion_tokens, 0)), 0) llm_tokens, coalesce(sum(cost_usd), 0) llm_usd from "
            "llm_calls where candidate_id = ? and instance_id = ?", [cid, iid]))
        return dict(row) if row["llm_calls"] else {}

    def llm_calls(self, run_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query(
            "select * from llm_calls where run_id = ? order by id", [run_id])]

    def eval_errors(self, run_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query(
            "select * from eval_errors where run_id = ? order by id", [run_id])]

    def metric_calls_by_split(self, run_id: str) -> dict[str, int]:
        return dict(self.db.execute(
            "select split, count(*) from evaluations where run_id = ? group by split",
            [run_id]).fetchall())

    def run_rows(self) -> list[RunRow]:
        calls: dict[str, dict[str, int]] = {}
        for run_id, split, n in self.db.execute(
                "select run_id, split, count(*) from evaluations group by 1, 2"):
            calls.setdefault(run_id, {})[split] = n
        usd = dict(self.db.execute(
            "select run_id, coalesce(sum(cost_usd), 0) from llm_calls group by 1").fetchall())
        rows = self.db.execute("select id, status, task, summary, stop_reason, best_candidate, "
                               "seed_candidate, created_at from runs order by created_at desc")
        live = self.live_progress()
        return [_run_row(r, calls.get(r[0], {}), usd.get(r[0], 0.0), live.get(r[0], {}))
                for r in rows]

    def live_progress(self, run_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Per run, what its last iteration and its seed recorded (iterations, running
        time, best and seed val): the figures of a run that has no summary yet."""
        where, args = ("", []) if run_id is None else (" and run_id = ?", [run_id])
        out: dict[str, dict[str, Any]] = {}
        for rid, kind, iteration, data in self.db.execute(
                "select run_id, kind, iteration, data from events e where (kind = 'seed' or "
                "(kind = 'iteration' and iteration = (select max(iteration) from events "
                "where run_id = e.run_id and kind = 'iteration')))" + where, args):
            d = json.loads(data or "{}")
            mine = out.setdefault(rid, {})
            if kind == "seed":
                mine["seed_val"] = d.get("val")
                mine.setdefault("best_val", d.get("val"))
            else:
                mine.update(iterations=iteration, elapsed_s=d.get("elapsed_s"),
                            best_val=d.get("best_val"))
        return out

    def spend(self, run_id: str) -> list[Spend]:
        """LLM calls by purpose and model: count, failed attempts, tokens, dollars, time."""
        return [Spend(*r) for r in self.db.execute(
            "select purpose, model, count(*), sum(error is not null), "
            "sum(coalesce(prompt_tokens,0)+coalesce(completion_tokens,0)), "
            "sum(coalesce(cost_usd,0)), sum(coalesce(latency_s,0)) from llm_calls "
            "where run_id = ? group by purpose, model order by purpose, model", [run_id])]

    def val_mean(self, task_key: str, cid: str) -> float | None:
        """One candidate's mean val score (an indexed read, cheap enough to poll)."""
        return self.db.execute(
            "select avg(score) from evaluations where task_key = ? and candidate_id = ? and "
            "split = 'val'", [task_key, cid]).fetchone()[0]

    def val_means(self, task_key: str, run_id: str) -> dict[str, float]:
        """Mean val score of every candidate of a run that has val scores (one query)."""
        return dict(self.db.execute(
            "select e.candidate_id, avg(e.score) from evaluations e join run_candidates rc "
            "on rc.candidate_id = e.candidate_id and rc.run_id = ? where e.task_key = ? and "
            "e.split = 'val' group by e.candidate_id", [run_id, task_key]).fetchall())

    def call_rows(self, run_id: str, needle: str = "") -> list[CallRow]:
        """A run's LLM calls, light; ``needle`` searches purpose, model, prompt, answer and
        error."""
        where = "" if not needle else (
            " and (purpose || ' ' || model || ' ' || coalesce(messages, '') || ' ' || "
            "coalesce(response, '') || ' ' || coalesce(error, '')) like ?")
        return [CallRow(*r[:-1], iteration=_iteration_of(r[-1], run_id)) for r in self.db.execute(
            "select id, purpose, model, coalesce(attempt, 1), coalesce(prompt_tokens, 0) + "
            "coalesce(completion_tokens, 0), coalesce(cost_usd, 0), coalesce(latency_s, 0), "
            "coalesce(error, ''), coalesce(candidate_id, ''), coalesce(instance_id, ''), "
            "cache_key from llm_calls where run_id = ?" + where + " order by id",
            [run_id, *([f"%{needle}%"] if needle else [])])]

    def llm_call(self, call_id: int) -> dict[str, Any]:
        row = self.db.execute("select messages, response, error from llm_calls where id = ?",
                              [call_id]).fetchone()
        return {"messages": json.loads(row[0] or "[]"), "response": row[1], "error": row[2]}

    def split_means(self, task_key: str, cid: str) -> dict[str, tuple[float, int]]:
        """Per split the candidate was scored on: its mean score and how many instances."""
        return {split: (mean, n) for split, mean, n in self.db.execute(
            "select split, avg(score), count(*) from evaluations where task_key = ? and "
            "candidate_id = ? group by split", [task_key, cid])}

    def instance_scores(self, task_key: str, cid: str, split: str) -> list[InstanceScore]:
        return [InstanceScore(*r) for r in self.db.execute(
            "select instance_id, split, score, coalesce(output, ''), coalesce(feedback, ''), "
            "error from evaluations where task_key = ? and candidate_id = ? and split = ? "
            "order by instance_id", [task_key, cid, split])]


def _iteration_of(cache_key: str | None, run_id: str) -> int | None:
    """A proposer's call is keyed ``<run id>:<iteration>:...`` (what resume replays)."""
    head, _, rest = (cache_key or "").partition(":")
    number = rest.split(":", 1)[0]
    return int(number) if head == run_id and number.isdigit() else None


def _run_row(r: tuple[Any, ...], calls: dict[str, int], usd: float,
             live: dict[str, Any]) -> RunRow:
    """A run's row: from its summary once it has one, else from its events so far."""
    run_id, status, task, summary, stop, best, seed, created = r
    s = json.loads(summary or "{}")
    best = s.get("best", best)
    seed = s.get("seed", seed)
    val = s.get("val", {})
    return RunRow(run_id, status, task, s.get("iterations", live.get("iterations")),
                  val.get(seed, live.get("seed_val")), val.get(best, live.get("best_val")),
                  s.get("test", {}).get(best), calls.get("train", 0) + calls.get("val", 0),
                  calls.get("test", 0), usd, s.get("elapsed_s", live.get("elapsed_s")),
                  stop, best, created)
