"""The ``galapagos`` command: a thin layer over the runner and the archive.

Errors are shown as one paragraph; ``--debug`` shows the traceback too."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from galapagos.errors import ConfigError, GalapagosError
from galapagos.orchestrator.display import DataConsole, styled

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Evolve prompts and agent code with reflective, Pareto-guided search.")
console = DataConsole()          # every string printed is data: no markup, no escapes
err_console = DataConsole(stderr=True)
DEFAULT_ARCHIVE = ".galapagos/archive.db"

ArchiveOpt = Annotated[Path, typer.Option("--archive", "-a", help="The project's SQLite "
                                          "archive.")]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", "-s", help="Override any config value, KEY=VALUE with a dotted key, the value "
    "read as TOML: --set budget.max_iterations=40 --set llm.model='\"openai/gpt-4.1-mini\"'.")]
ItersOpt = Annotated[Optional[int], typer.Option(help="Shorthand for --set "
                                                 "budget.max_iterations=N.")]
CallsOpt = Annotated[Optional[int], typer.Option(help="Shorthand for --set "
                                                 "budget.max_metric_calls=N.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress; print the "
                                        "result only.")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Progress as one JSON object per "
                                        "event (seed, iteration, best, finish) on stdout.")]


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
          = False) -> None:
    """Evolve prompts and agent code with reflective, Pareto-guided search."""


def _overrides(items: list[str] | None, **named: Any) -> dict[str, Any]:
    from galapagos.orchestrator.config import parse_override

    out = dict(parse_override(i) for i in items or [])
    out.update({k: v for k, v in named.items() if v is not None})
    return out


@app.command()
def run(
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="The TOML config file (default: ./config.toml; without one, "
        "--task alone runs on the defaults).")] = None,
    set_: SetOpt = None,
    task: Annotated[Optional[str], typer.Option(help="Shorthand for --set task.name=…")] = None,
    model: Annotated[Optional[str], typer.Option(help="Shorthand for --set llm.model=… (the "
                                                 "reflection LLM).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Shorthand for --set run.seed=N.")] = None,
    archive: Annotated[Optional[Path], typer.Option("--archive", "-a", help="Shorthand for "
                                                    "--set run.archive=PATH.")] = None,
    max_iterations: ItersOpt = None,
    max_metric_calls: CallsOpt = None,
    quiet: QuietOpt = False,
    jsonl: JsonlOpt = False,
) -> None:
    """Start a run from a config file, with a live progress display."""
    from galapagos.orchestrator.config import load_config

    if config is None and (Path("config.toml").is_file() or task is None):
        config = Path("config.toml")
    cfg = load_config(config, _overrides(
        set_, **{"task.name": task, "llm.model": model, "run.seed": seed,
                 "run.archive": str(archive) if archive else None,
                 "budget.max_iterations": max_iterations,
                 "budget.max_metric_calls": max_metric_calls}))
    from galapagos.orchestrator.runner import start_run  # heavy (litellm): after validation

    _execute(lambda hooks: start_run(cfg, hooks), cfg.budget, quiet, jsonl)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run's id (or a unique prefix).")],
    archive: ArchiveOpt = Path(DEFAULT_ARCHIVE),
    set_: SetOpt = None,
    max_iterations: ItersOpt = None,
    max_metric_calls: CallsOpt = None,
    quiet: QuietOpt = False,
    jsonl: JsonlOpt = False,
) -> None:
    """Continue a stopped, interrupted or killed run exactly where it left off; raise its
    budget with --max-iterations / --set to run a finished one further."""
    from galapagos.archive import Archive
    from galapagos.orchestrator.config import load_config

    over = _overrides(set_, **{"budget.max_iterations": max_iterations,
                               "budget.max_metric_calls": max_metric_calls})
    run = Archive(_existing(archive)).get_run(run_id)
    budget = load_config(None, over, base=run["config"]).budget  # for the display's totals
    from galapagos.orchestrator.runner import resume_run

    _execute(lambda hooks: resume_run(archive, run["id"], over, hooks), budget, quiet, jsonl)


def _execute(fn: Any, budget: Any, quiet: bool, jsonl: bool = False) -> None:
    """Run ``fn`` with the progress a person (a live display), a log or pipe (a line per
    iteration) or a script (``--jsonl``) wants."""
    from galapagos.orchestrator.progress import LineProgress, ProgressDisplay
    from galapagos.orchestrator.report import show_run
    from galapagos.orchestrator.runner import Hooks

    hooks = Hooks()
    live = console.is_terminal or sys.stdout.isatty()
    with hooks.interrupt.on_sigint():
        if quiet or jsonl or not live:
            if jsonl or not quiet:
                hooks.bus.subscribe(LineProgress(console, budget, as_json=jsonl))
            outcome = fn(hooks)
        else:
            display = ProgressDisplay(console, budget)
            hooks.bus.subscribe(display)
            with display:
                outcome = fn(hooks)
    if outcome.status == "interrupted":
        err_console.print(outcome.message, style="yellow")
        raise typer.Exit(130)
    if jsonl:
        return
    from galapagos.archive import Archive

    console.print(show_run(Archive(outcome.archive), outcome.run_id, history=10))
    console.print(styled("Run ", (outcome.run_id, "bold"),
                         f" {outcome.status}: {outcome.stop_reason}."))
    console.print(styled("Look at it with ", (_look_command(outcome), "bold"), "."))


def _look_command(outcome: Any) -> str:
    """``galapagos ui RUN``, with ``--archive`` where the run's is not the default one."""
    here = Path(os.path.relpath(outcome.archive))
    here = Path(outcome.archive).absolute() if here.parts[:1] == ("..",) else here
    where = "" if here == Path(DEFAULT_ARCHIVE) else f" --archive {shlex.quote(str(here))}"
    return f"galapagos ui {outcome.run_id}{where}"


JsonOpt = Annotated[bool, typer.Option("--json", help="The same facts as JSON, for scripts.")]


@app.command()
def runs(archive: ArchiveOpt = Path(DEFAULT_ARCHIVE), as_json: JsonOpt = False) -> None:
    """List the runs in the archive."""
    from galapagos.archive import Archive
    from galapagos.orchestrator.report import runs_table

    store = Archive.for_reading(_existing(archive))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in store.run_rows()], indent=2))
        return
    console.print(runs_table(store, console.width))


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="The run's id (or a unique prefix).")],
    archive: ArchiveOpt = Path(DEFAULT_ARCHIVE),
    history: Annotated[int, typer.Option(help="How many recent iterations to list.")] = 25,
    as_json: JsonOpt = False,
    diff: Annotated[str | None, typer.Option(
        help="Print this candidate's changes (id or prefix) as unified diffs, per file or "
             "component, instead of the run's summary.")] = None,
    against: Annotated[str | None, typer.Option(
        help="With --diff: compare with this candidate instead of the first parent.")] = None,
) -> None:
    """Show a run: val beside test for seed, best and frontier, score history, spend, and
    the best candidate; or, with --diff, what one candidate changed."""
    from galapagos.archive import Archive
    from galapagos.orchestrator.report import diff_view, run_facts, show_run

    store = Archive.for_reading(_existing(archive))
    if as_json:
        typer.echo(json.dumps(run_facts(store, run_id), indent=2, default=str))
        return
    if diff:
        store.get_run(run_id)  # the run must exist, as for the summary
        console.print(diff_view(store, diff, against))
        return
    console.print(show_run(store, run_id, history))


@app.command()
def export(
    run_id: Annotated[str, typer.Argument(help="The run's id (or a unique prefix).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into: new or "
                                      "empty, and not a link (made if missing).")],
    candidate: Annotated[str | None, typer.Option(help="A candidate id or prefix; default: "
                                                      "the run's best.")] = None,
    archive: ArchiveOpt = Path(DEFAULT_ARCHIVE),
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that has files "
                                        "(those of the same name are replaced) or through a "
                                        "link.")] = False,
) -> None:
    """Write a candidate out: its files as a tree, its text components as NAME.txt."""
    from galapagos.archive import Archive
    from galapagos.orchestrator.report import export_candidate, export_lines

    store = Archive.for_reading(_existing(archive))
    run = store.get_run(run_id)
    cid = candidate or run["best_candidate"]
    if not cid:
        raise GalapagosError(f"Run {run['id']} has no candidate yet; pass --candidate.")
    full = store.get_candidate(cid).id
    report = export_candidate(store, full, out, force=force)
    console.print(export_lines(report, full))


@app.command()
def ui(
    run_id: Annotated[str | None, typer.Argument(help="Open on this run (id or prefix) "
                                                     "instead of the runs list.")] = None,
    archive: ArchiveOpt = Path(DEFAULT_ARCHIVE),
    poll: Annotated[float, typer.Option(help="Seconds between refreshes of a live run.")] = 1.0,
) -> None:
    """Browse the archive in the terminal: runs, a run followed live, candidates with their
    files, diffs and scores, and every LLM call. Press ? for the keys."""
    from galapagos.ui import GalapagosApp

    GalapagosApp(_existing(archive), run_id, poll).run()


@app.command()
def stop(run_id: Annotated[str, typer.Argument(help="The run's id (or a unique prefix).")],
         archive: ArchiveOpt = Path(DEFAULT_ARCHIVE)) -> None:
    """Ask a running run to stop at its next safe point (it writes the stop file)."""
    from galapagos.archive import Archive

    store = Archive(_existing(archive))
    run_id = store.get_run(run_id)["id"]
    path = store.request_stop(run_id)
    console.print(f"Asked run {run_id} to stop (wrote {path}).")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where to write (made if missing).")]
    = Path("."),
    task: Annotated[bool, typer.Option("--task", help="Also write my_task.py, a task that "
                                       "runs as it is, and point the config at it.")] = False,
    model: Annotated[Optional[str], typer.Option(help="The model, as litellm names it, for "
                                                 "the task and the reflection (default: "
                                                 "the embedded local/gemma3-270m).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files already there.")] = False,
) -> None:
    """Start a project: a config.toml with every key documented (and with --task a task
    file to edit), so that `galapagos run -c config.toml` works at once."""
    from galapagos.orchestrator.scaffold import write_init

    for path in write_init(folder, task=task, model=model, force=force):
        console.print(styled("Wrote ", (str(path), "bold")))
    where = "" if folder == Path(".") else f"cd {shlex.quote(str(folder))} && "
    console.print(styled("Next: ", (f"{where}galapagos run -c config.toml", "bold")))


@app.command()
def tasks() -> None:
    """List the installed task plug-ins (entry-point group 'galapagos.tasks')."""
    from rich.table import Table

    from galapagos.tasks import available

    t = Table(title="Installed tasks")
    t.add_column("name")
    t.add_column("factory")
    for name, where in sorted(available().items()):
        t.add_row(name, where)
    console.print(t)
    console.print("A config may also name 'package.module:factory' or 'path/to/task.py:factory'.")


sandbox_app = typer.Typer(no_args_is_help=True, help="Build and check the sandbox images.")
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("build")
def sandbox_build(
    packages: Annotated[Optional[list[str]], typer.Option(
        "--package", "-p", help="Also build a task image with these pip packages on the base "
        "(repeatable). Builds may use the network; sandboxed runs may not.")] = None,
) -> None:
    """Build the sandbox base image (debootstrap + docker import) unless its content hash is
    already present; optionally a task image layered on it."""
    from galapagos.sandbox.docker_backend import docker_client
    from galapagos.sandbox.images import TaskImage, ensure_base, ensure_task_image

    client = docker_client()
    with console.status("building the base image…"):
        base = ensure_base(client, log=lambda m: console.print(m))
    console.print(styled("base image: ", (base, "bold")))
    if packages:
        image = TaskImage("task", (f"RUN python3 -m pip install --break-system-packages "
                                   f"{' '.join(packages)}",))
        console.print(styled("task image: ", (ensure_task_image(client, image, base), "bold")))


@sandbox_app.command("doctor")
def sandbox_doctor() -> None:
    """Check the sandbox setup: engine reachable, seccomp, cgroups, images, GPUs, and what
    to do about anything missing."""
    from rich.table import Table

    from galapagos.sandbox.doctor import diagnose

    t = Table(title="Sandbox doctor")
    for col in ("check", "ok", "detail", "what to do"):
        t.add_column(col, overflow="fold")
    checks = diagnose()
    for c in checks:
        t.add_row(c.name, styled(("yes", "green") if c.ok else ("no", "red")), c.detail,
                  "" if c.ok else c.fix)
    console.print(t)
    if not checks[0].ok:
        raise typer.Exit(1)


def _existing(archive: Path) -> Path:
    if not archive.exists():
        raise ConfigError(f"No archive at {archive}. Pass --archive with the path a run wrote "
                          "(run.archive in its config; default .galapagos/archive.db).")
    return archive


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        app()
    except GalapagosError as exc:
        if debug:
            raise
        err_console.print(styled(("Error:", "bold red"), f" {exc}"), highlight=False)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)
    except Exception as exc:  # noqa: BLE001 - a bug of ours or a plug-in's: one paragraph too
        if debug:
            raise
        err_console.print(styled(("Unexpected error:", "bold red"), f" {type(exc).__name__}: "
                                 f"{exc}. Whatever was archived is kept and the run can be "
                                 "resumed; run again with --debug for the traceback and "
                                 "report it."), highlight=False)
        sys.exit(1)
