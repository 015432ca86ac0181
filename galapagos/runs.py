"""Optimising from Python: ``optimize`` and ``resume``, a thin layer over the runner that
the CLI also uses (the same loop, archive, budget, resume, sandbox and UI).

    import galapagos as gp

    def score(prompt, example):
        answer = gp.answer("local/gemma3-270m", f"{prompt}\\n{example['q']}")
        return float(answer == example["a"]), f"expected {example['a']}"

    result = gp.optimize("Answer the question.", score, train=train, val=val, test=test,
                         budget=gp.Budget(metric_calls=300), archive="runs.db")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from galapagos.errors import ConfigError, TaskError
from galapagos.results import RunResult, read_result
from galapagos.tasks.function import Form, Program

Listener = Callable[[Any], None]
RESUMABLE = ("running", "interrupted", "failed")


@dataclass(frozen=True)
class Budget:
    """When the search stops: whichever limit comes first (None: no limit). The test split
    and a run's final choice are paid outside ``metric_calls``' search share as with the
    CLI (``[budget]`` in a config)."""

    metric_calls: int | None = None   # evaluations of (candidate, example)
    iterations: int | None = None
    usd: float | None = None          # dollars on LLM calls
    tokens: int | None = None         # LLM tokens
    seconds: float | None = None      # running time, summed over resumes
    gpu_seconds: float | None = None
    patience: int | None = None       # iterations without a better best val score

    def overrides(self) -> dict[str, Any]:
        keys = {"metric_calls": "max_metric_calls", "iterations": "max_iterations",
                "usd": "max_llm_usd", "tokens": "max_llm_tokens", "seconds": "max_wall_s",
                "gpu_seconds": "max_gpu_s", "patience": "patience"}
        return {f"budget.{keys[k]}": v for k, v in vars(self).items() if v is not None}


def optimize(seed: str | Mapping[str, str] | Program, score: Callable[..., Any], *,
             train: Iterable[Any], val: Iterable[Any], test: Iterable[Any] = (),
             reflection_model: str | None = None, budget: Budget | None = None,
             archive: str | Path | None = None, name: str = "optimize",
             config: str | Path | Mapping[str, Any] | None = None,
             overrides: Mapping[str, Any] | None = None, random_seed: int | None = None,
             listeners: Sequence[Listener] = (), progress: bool | None = None,
             resume: bool | str = True) -> RunResult:
    """Evolve ``seed`` to score higher with ``score`` over ``train``, choosing on ``val``
    and reporting ``test`` (never shown to the search).

    - ``seed``: the starting text, a mapping of named texts (components), or a
      :class:`galapagos.Program` (a tree of files; ``score`` then receives the files).
    - ``score(candidate, example)``: sync or async; ``candidate`` is a text if the seed
      was one, else a ``{name: text}`` mapping; returns a number, ``(number, feedback)``,
      ``{"score", "feedback"}`` or :class:`galapagos.Result`. Call models inside it with
      :func:`galapagos.answer` so calls are logged and reach reflection. A raise scores 0
      with the error as feedback (infrastructure faults are retried, never scored).
    - ``train``, ``val``, ``test``: examples of any kind (dicts, tuples, objects).
    - ``reflection_model``: the LLM that writes new candidates (``llm.model``).
    - ``budget``: see :class:`Budget`. ``archive``: the SQLite file (``run.archive``).
    - ``name``: the run's label (``run.name``); a later call with the same name continues
      that run where it stopped (``resume=True``), if it did not finish.
    - ``config``: a TOML file or a nested mapping, as ``galapagos run --config`` takes;
      ``overrides``: dotted keys over it (``{"loop.minibatch_size": 8}``); the explicit
      arguments above win over both. Validated before anything is written.
    - ``random_seed``: the run's random generator (``run.seed``).
    - ``listeners``: callables handed every typed event (``galapagos.events``), in order.
    - ``progress``: a live display (True), none (False), or where one is seen (None).
    - ``resume``: True continues this name's unfinished run, False always starts a new
      one, a run id continues that run.

    Raises ConfigError for bad arguments, TaskError when the run to continue was made
    with other data, seed or scoring function. Ctrl-C stops at a safe point: the result
    has status ``"interrupted"`` and says how to continue.
    """
    from galapagos.orchestrator.config import load_config
    from galapagos.tasks.function import FunctionTaskFactory
    from galapagos.tasks.registry import register_inline

    components, form = _components(seed)
    splits = {"train": _examples(train, "train"), "val": _examples(val, "val"),
              "test": _examples(test, "test", empty_ok=True)}
    _check_score(score)
    made = FunctionTaskFactory(f"python:{name}", components, form, score, splits,
                               seed if isinstance(seed, Program) else None)
    digests = made.digests()
    dotted = {"run.name": name, "task.name": made.name,
              "task.options": {"python": {"digests": digests,
                                          "score": _qualified(score)}},
              **_explicit(reflection_model, budget, archive, random_seed),
              **dict(overrides or {})}
    base, path = (dict(config), None) if isinstance(config, Mapping) else ({}, config)
    cfg = load_config(path, dotted, base=base)
    register_inline(name, made)
    found = _resumable(cfg.run.archive, made.name, resume)
    if found is not None:
        _same_task(found, digests)
        return _drive(lambda hooks: _resume(cfg, found["id"], dotted, hooks), cfg,
                      listeners, progress, form)
    from galapagos.orchestrator.runner import start_run

    return _drive(lambda hooks: start_run(cfg, hooks), cfg, listeners, progress, form)


def resume(archive: str | Path, run_id: str, seed: str | Mapping[str, str] | Program,
           score: Callable[..., Any], *, train: Iterable[Any], val: Iterable[Any],
           test: Iterable[Any] = (), **options: Any) -> RunResult:
    """Continue run ``run_id`` of ``archive``, made by :func:`optimize` with the same seed,
    scoring function and examples (checked; a change is refused). ``options`` are
    :func:`optimize`'s (a larger ``budget`` lets a finished search go on)."""
    from galapagos.archive import Archive

    try:
        name = Archive.for_reading(archive).get_run(run_id)["config"]["run"]["name"]
    except KeyError as exc:
        raise ConfigError(f"Run {run_id} of {archive} has no name in its config.") from exc
    return optimize(seed, score, train=train, val=val, test=test, archive=archive,
                    name=name, resume=run_id, **options)


def _explicit(model: str | None, budget: Budget | None, archive: str | Path | None,
              random_seed: int | None) -> dict[str, Any]:
    if budget is not None and not isinstance(budget, Budget):
        raise ConfigError(f"budget must be galapagos.Budget(...), not "
                          f"{type(budget).__name__}: e.g. Budget(metric_calls=300).")
    out = dict(budget.overrides()) if budget else {}
    if model is not None:
        out["llm.model"] = model
    if archive is not None:
        out["run.archive"] = str(Path(archive).absolute())
    if random_seed is not None:
        out["run.seed"] = random_seed
    return out


def _components(seed: Any) -> tuple[dict[str, str], Form]:
    from galapagos.tasks.function import TEXT

    if isinstance(seed, str):
        return {TEXT: seed}, "text"
    texts = seed.files if isinstance(seed, Program) else seed
    if isinstance(texts, Mapping) and texts and all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
        return ({}, "files") if isinstance(seed, Program) else (dict(seed), "components")
    raise ConfigError(f"seed must be a text, a non-empty mapping of names to texts "
                      f"(components) or galapagos.Program(files), not "
                      f"{type(seed).__name__} {str(seed)[:60]!r}.")


def _examples(data: Iterable[Any], split: str, empty_ok: bool = False) -> list[Any]:
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ConfigError(f"{split} must be a list (or other iterable) of examples, not "
                          f"{type(data).__name__}.")
    items = list(data)
    if not items and not empty_ok:
        raise ConfigError(f"{split} is empty: the search needs examples there ({split}="
                          f"[...]; to choose on the training examples, pass val=train).")
    return items


def _check_score(score: Any) -> None:
    import inspect

    if not callable(score):
        raise ConfigError(f"score must be a function score(candidate, example), not "
                          f"{type(score).__name__}.")
    try:
        inspect.signature(score).bind(None, None)
    except TypeError:
        raise ConfigError(f"score must take two arguments, (candidate, example); "
                          f"{_qualified(score)}{inspect.signature(score)} does not.") from None
    except ValueError:
        pass  # a builtin without a signature: try it


def _qualified(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def _resumable(path: str, task_name: str, resume: bool | str) -> dict[str, Any] | None:
    """The run this call continues: the named one, else this name's newest unfinished."""
    from galapagos.archive import Archive

    if resume is False or (resume is True and not Path(path).exists()):
        return None
    archive = Archive.for_reading(path)
    if isinstance(resume, str):
        return archive.get_run(resume)
    runs = [r for r in archive.list_runs() if r["task"] == task_name]
    return next((archive.get_run(r["id"]) for r in runs if r["status"] in RESUMABLE), None)


def _same_task(run: dict[str, Any], digests: dict[str, str]) -> None:
    made = run["config"]["task"].get("options", {}).get("python", {}).get("digests", {})
    changed = [part for part in digests if made.get(part) != digests[part]]
    if changed:
        what = ", ".join("the scoring function" if p == "score" else
                         "the seed" if p == "seed" else f"the {p} examples" for p in changed)
        raise TaskError(
            f"Run {run['id']} cannot continue with this call: {what} changed since it "
            "started, so its scores do not hold. Pass resume=False to start a new run (or "
            "give it another name=), or restore what changed to continue it.")


def _resume(cfg: Any, run_id: str, dotted: dict[str, Any], hooks: Any) -> Any:
    from galapagos.orchestrator.runner import resume_run

    keep = {k: v for k, v in dotted.items() if k.startswith(("budget.", "llm."))}
    return resume_run(cfg.run.archive, run_id, keep, hooks)


def _drive(fn: Callable[[Any], Any], cfg: Any, listeners: Sequence[Listener],
           progress: bool | None, form: str) -> RunResult:
    from galapagos.notebook import progress_listener
    from galapagos.orchestrator.runner import Hooks

    hooks = Hooks()
    for listener in listeners:
        hooks.bus.subscribe(listener)
    display = progress_listener(progress, cfg.budget)
    if display is not None:
        hooks.bus.subscribe(display)
    with hooks.interrupt.on_sigint(), display or nullcontext():
        outcome = fn(hooks)
    return read_result(outcome, form)
