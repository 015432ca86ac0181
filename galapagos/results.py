"""What ``galapagos.optimize`` returns: the best candidate, its scores, the frontier, and
how to look further (the archive, the run's id), readable as text and as a notebook
table."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Member:
    """A candidate on the run's frontier (ranked by the run's final choice)."""

    id: str
    candidate: str | dict[str, str]
    val: float | None
    test: float | None


@dataclass(frozen=True)
class RunResult:
    """``best`` has the seed's form (a text, a mapping of named texts, or a program's
    files). ``val`` and
    ``test`` are the best's mean scores (``test`` None without a test split, or when the
    run stopped before its final choice); ``seed_val`` is where it started."""

    run_id: str
    status: str                   # finished, interrupted, failed
    stop_reason: str | None
    best: str | dict[str, str]
    best_id: str
    val: float | None
    test: float | None
    seed_val: float | None
    frontier: list[Member] = field(default_factory=list)
    iterations: int | None = None
    metric_calls: int | None = None
    llm_usd: float | None = None
    archive: Path = Path()
    message: str = ""

    def __str__(self) -> str:
        head = (f"run {self.run_id} {self.status} ({self.stop_reason}): best {self.best_id[:12]}"
                f" val {_num(self.val)} test {_num(self.test)} (seed val {_num(self.seed_val)})")
        return head + (f"\n{self.message}" if self.message else "")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td><code>{m.id[:12]}</code></td><td>{_num(m.val)}</td>"
                       f"<td>{_num(m.test)}</td><td>{html.escape(_short(m.candidate))}</td>"
                       "</tr>" for m in self.frontier[:10])
        note = f"<p>{html.escape(self.message)}</p>" if self.message else ""
        return (f"<p><b>run {html.escape(self.run_id)}</b> {html.escape(self.status)} "
                f"({html.escape(str(self.stop_reason))}): val {_num(self.val)}, test "
                f"{_num(self.test)}, seed val {_num(self.seed_val)}; {self.iterations} "
                f"iterations, {self.metric_calls} metric calls</p>{note}"
                "<table><tr><th>candidate</th><th>val</th><th>test</th><th>text</th></tr>"
                f"{rows}</table>")


def read_result(outcome: Any, form: str) -> RunResult:
    """The result of a runner's outcome, read back from the archive it wrote."""
    from galapagos.archive import Archive

    archive = Archive.for_reading(outcome.archive)
    run = archive.get_run(outcome.run_id)
    summary = run.get("summary") or {}
    means = archive.val_means(run["task_key"], run["id"])
    best = summary.get("best") or max(means, key=means.get, default=run["seed_candidate"])
    tests = summary.get("test", {})
    order = summary.get("frontier") or sorted(means, key=means.get, reverse=True)

    def shaped(cid: str) -> str | dict[str, str]:
        cand = archive.get_candidate(cid)
        return {"text": lambda: cand.components["prompt"], "files": lambda: cand.files,
                "components": lambda: cand.components}[form]()

    return RunResult(
        outcome.run_id, outcome.status, outcome.stop_reason, shaped(best), best,
        means.get(best), tests.get(best), means.get(run["seed_candidate"]),
        [Member(c, shaped(c), means.get(c), tests.get(c)) for c in order],
        summary.get("iterations"), archive.metric_calls(run["id"]),
        summary.get("llm_usd"), Path(outcome.archive), _message(outcome))


def _message(outcome: Any) -> str:
    if outcome.status != "interrupted":
        return outcome.message
    return (f"Stopped at a safe point. Call the same optimize(...) again to continue run "
            f"{outcome.run_id}, or galapagos.resume({str(outcome.archive)!r}, "
            f"{outcome.run_id!r}, seed, score, train=..., val=...).")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _short(candidate: str | dict[str, str]) -> str:
    text = candidate if isinstance(candidate, str) else " | ".join(
        f"{k}: {v}" for k, v in candidate.items())
    return text if len(text) <= 120 else text[:119] + "…"
