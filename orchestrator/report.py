"""Tables for ``galapagos runs`` and ``galapagos show``, read from the archive."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from galapagos.archive import Archive
from galapagos.archive.clean import clip, printable
from galapagos.archive.export import ExportReport, write_candidate
from galapagos.orchestrator.display import styled
from galapagos.orchestrator.fronts import tradeoffs


def runs_table(archive: Archive, width: int = 80) -> Table:
    """Readable in 80 columns and in a pipe: the task name is cut, never wrapped thin, and
    the creation time shows where there is room (``width`` of 100 or more)."""
    rows = archive.run_rows()
    t = Table(title=f"Runs in {archive.path}", caption="seed, val: mean val score; test: "
              "the best's", box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("run", no_wrap=True, min_width=max([len(r.id) for r in rows] + [3]))
    t.add_column("status", no_wrap=True, min_width=11)
    for col in ("iters", "seed", "val", "test"):
        t.add_column(col, justify="right", no_wrap=True, min_width=5)
    wide = width >= 100
    t.add_column("task", no_wrap=True, overflow="ellipsis", min_width=8,
                 max_width=width - 84 if wide else 28)  # the room the other columns leave
    if wide:
        t.add_column("created", no_wrap=True, min_width=11)
    for r in rows:
        t.add_row(r.id, r.status, str(r.iterations if r.iterations is not None else "-"),
                  _f(r.seed_val), _f(r.best_val), _f(r.best_test), r.task,
                  *([r.created_at[5:16].replace("T", " ")] if wide else []))
    return t


def run_facts(archive: Archive, run_id: str) -> dict[str, Any]:
    """What ``show --json`` prints: the same facts as the tables."""
    run = archive.get_run(run_id)
    row = next(r for r in archive.run_rows() if r.id == run["id"])
    return {"run": row.as_dict(), "summary": run["summary"],
            "metric_calls": {"search": row.search_calls, "test": row.test_calls},
            "gpu_s": {"search": archive.gpu_seconds(run["id"], search_only=True),
                      "total": archive.gpu_seconds(run["id"]),
                      "by_candidate": archive.gpu_seconds_by_candidate(run["id"])},
            "spend": [asdict(s) for s in archive.spend(run["id"])],
            "tradeoffs": tradeoffs(archive, run["task_key"], archive.pool(run["id"]),
                                   (run["summary"] or {}).get("objectives") or {}),
            "iterations": [{"iteration": r.iteration, **r.data()}
                           for r in archive.iterations(run["id"])],
            "best_candidate": _candidate_facts(archive, run["best_candidate"])}


def _candidate_facts(archive: Archive, cid: str | None) -> dict[str, Any] | None:
    """The best candidate whole, so a script gets the optimised prompt without export."""
    if not cid:
        return None
    cand = archive.get_candidate(cid)
    return {"id": cand.id, "proposer": cand.proposer, "parents": list(cand.parents),
            "components": cand.components, "files": cand.files}


def show_run(archive: Archive, run_id: str, history: int = 25) -> Group:
    run = archive.get_run(run_id)
    s: dict[str, Any] = {**archive.live_progress(run["id"]).get(run["id"], {}),
                         **run["summary"]}  # a running run has no summary yet
    fronts = archive.frontier(run["id"], run["task_key"])
    leaders = {c for _, cands in fronts.values() for c in cands}
    s = {**s, "frontier_now": f"{len(leaders)} candidate(s) lead on {len(fronts)} val instances"}
    parts: list[Any] = [_overview(run, s, archive.metric_calls_by_split(run["id"]))]
    if s.get("test"):
        parts.append(_scores(s))
    if s.get("objectives"):
        parts.append(_tradeoff_table(tradeoffs(archive, run["task_key"], archive.pool(run["id"]),
                                               s["objectives"]), s["objectives"]))
    from galapagos.orchestrator.carbs.report import front_view  # scikit-learn: when shown

    if (front := front_view(archive, run)) is not None:
        parts.append(front)
    parts.append(_history(archive, run["id"], history))
    parts.append(_spend(archive, run["id"]))
    best = run["best_candidate"]
    if best:
        cand = archive.get_candidate(best)
        parts.append(_candidate_panel(cand, best))
    return Group(*parts)


def _tradeoff_table(rows: list[dict[str, Any]], objectives: dict[str, str]) -> Table:
    t = Table(title="Trade-off front: val means no other candidate beats on all at once")
    for name in ("candidate", "score", *(f"{n} ({d})" for n, d in objectives.items())):
        t.add_column(name, justify="left" if name == "candidate" else "right")
    for r in rows:
        t.add_row(str(r["candidate"]), *(f"{r[n]:.4g}" for n in ("score", *objectives)))
    return t


def _candidate_panel(cand: Any, cid: str) -> Panel:
    """Components in full; a program's files by name and size (``--diff`` shows code)."""
    parts = sorted(cand.components.items())
    if cand.files:
        parts.append(("files", "\n".join(f"{p}  ({len(t.splitlines())} lines)"
                                         for p, t in sorted(cand.files.items()))))
    body = Text("\n\n").join(styled((name, "bold"), "\n", text) for name, text in parts)
    return Panel(body, title=styled(f"best candidate {cid} ({cand.proposer})"))


def export_candidate(archive: Archive, cid: str, folder: Path, *, force: bool = False
                     ) -> ExportReport:
    """A candidate's files under ``folder`` and each text component as NAME.txt; names
    that cannot be written are skipped, each with its reason, and nothing half-written."""
    cand = archive.get_candidate(cid)
    return write_candidate({**cand.files, **{f"{n}.txt": t for n, t in
                                             cand.components.items()}}, folder,
                           force=force)


def export_lines(report: ExportReport, cid: str) -> Text:
    """What an export did, for a person: where the files went, and what was skipped."""
    out = styled(f"Wrote {len(report.written)} file(s) of candidate {cid} to "
                 f"{report.folder}.")
    for name, why in report.skipped:
        out.append_text(styled("\n", ("skipped ", "yellow"), repr(name)[:120], f": {why}"))
    return out


def diff_view(archive: Archive, cid: str, against: str | None = None) -> Group:
    """A candidate's changes, per component or file, as unified diffs."""
    cand = archive.get_candidate(cid)
    base = against or (cand.parents[0] if cand.parents else None)
    diffs = archive.diff(cid, against)
    title = f"{cand.id} against {base or 'nothing (a seed)'}"
    if not diffs:
        return Group(Panel("no changes", title=styled(title)))
    return Group(*(Panel(Syntax(printable(text), "diff", word_wrap=True),
                         title=styled(f"{name}: {title}")) for name, text in diffs.items()))


def _overview(run: dict[str, Any], s: dict[str, Any], calls: dict[str, int]) -> Table:
    t = Table(title=f"Run {run['id']}", show_header=False)
    t.add_column(style="dim")
    t.add_column()
    rows = [("task", run["task"]), ("status", run["status"]),
            ("stop reason", run["stop_reason"] or "-"),
            ("iterations", s.get("iterations", "-")),
            ("metric calls", f"{calls.get('train', 0) + calls.get('val', 0)} by the search, "
                             f"{calls.get('test', 0)} scoring test"),
            ("LLM spend", f"${s.get('llm_usd', 0):.4f}, {s.get('llm_tokens', 0)} tokens"),
            ("GPU-seconds", f"{s.get('gpu_s', 0):.1f}"),
            ("running time", f"{s.get('elapsed_s', 0):.1f} s"),
            ("failed iterations", s.get("failed_iterations", 0)),
            ("frontier", s["frontier_now"])]
    if s.get("staging_saved_calls"):
        rows.append(("saved by staging", f"{s['staging_saved_calls']} metric calls"))
    for k, v in rows:
        t.add_row(k, str(v))
    return t


def _scores(s: dict[str, Any]) -> Table:
    t = Table(title="Scores: val beside test (seed, best and frontier)",
              caption=s.get("choice"))
    for col in ("candidate", "role", "val", "test"):
        t.add_column(col, justify="right" if col in ("val", "test") else "left")
    for cid, test in s["test"].items():
        role = "best" if cid == s.get("best") else "seed" if cid == s.get("seed") else "frontier"
        if cid == s.get("best_by_mean") and cid != s.get("best"):
            role = "best val mean"
        t.add_row(cid, role, _f(s["val"].get(cid)), _f(test))
    if ens := s.get("ensemble"):
        t.add_row(f"vote of {len(ens['members'])}", "ensemble", _f(ens["val"]),
                  _f(ens.get("test")))
    return t


def _history(archive: Archive, run_id: str, n: int) -> Table:
    records = archive.iterations(run_id)
    t = Table(title=f"Score history (last {min(n, len(records))} of {len(records)} iterations)")
    for col in ("iter", "proposer", "outcome", "minibatch", "val", "note"):
        t.add_column(col)
    for r in records[max(len(records) - n, 0):]:  # n = 0: none (records[-0:] is all)
        note = r.why or ("new best" if r.new_best else "")
        t.add_row(str(r.iteration), str(r.proposer), r.outcome, r.minibatch, _f(r.val),
                  clip(note, 60))
    return t


def _spend(archive: Archive, run_id: str) -> Table:
    t = Table(title="LLM calls by purpose")
    for col in ("purpose", "model", "calls", "errors", "tokens", "dollars", "seconds"):
        t.add_column(col)
    for r in archive.spend(run_id):
        t.add_row(r.purpose, r.model, str(r.calls), str(r.errors), str(r.tokens),
                  f"{r.usd:.4f}", f"{r.seconds:.1f}")
    return t


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"
