"""Finding a task by name: an entry point in the ``galapagos.tasks`` group, a
``module:attr`` import path, or ``path/to/file.py:attr`` (attr defaults to ``create``)."""

from __future__ import annotations

import importlib
import importlib.util
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from galapagos.errors import TaskError, TaskNotFound
from galapagos.tasks.protocol import Task, TaskContext

GROUP = "galapagos.tasks"
INLINE = "python:"  # tasks made in this process (``galapagos.optimize``), not found by name
_inline: dict[str, Any] = {}


def register_inline(name: str, factory: Any) -> str:
    """Make ``factory`` the task named ``python:<name>`` in this process (and, through
    ``inline_factory``, on the Ray workers it is shipped to); returns the full name."""
    full = INLINE + name
    _inline[full] = factory
    return full


def inline_factory(spec: str) -> Any | None:
    """The factory behind an in-process task name, or None for any other name."""
    return _inline.get(spec)


def available() -> dict[str, str]:
    """Installed task plug-ins: name -> where the factory lives."""
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def resolve_factory(spec: str) -> Any:
    if spec.startswith(INLINE):
        return _inline_or_explain(spec)
    eps = {ep.name: ep for ep in entry_points(group=GROUP)}
    if spec in eps:
        return _load(lambda: eps[spec].load(), spec)
    target, _, attr = spec.partition(":")
    attr = attr or "create"
    if target.endswith(".py"):
        return _from_file(Path(target), attr, spec)
    if "." in target or ":" in spec:
        module = _load(lambda: importlib.import_module(target), spec)
        return _attr(module, attr, spec)
    names = ", ".join(sorted(eps)) or "none"
    raise TaskNotFound(
        f"Unknown task '{spec}'. Installed tasks: {names}. Name one of them, a "
        "'package.module:factory' import path, or a 'path/to/task.py:factory' file "
        "(`galapagos tasks` lists what is installed)."
    )


def _inline_or_explain(spec: str) -> Any:
    if spec in _inline:
        return _inline[spec]
    raise TaskNotFound(
        f"Task '{spec}' was defined in Python (galapagos.optimize), so only Python can run "
        "it: call the same optimize(...) again (it continues the run), or "
        "galapagos.resume(archive, run_id, seed, score, train=..., val=...). The archive's "
        "runs, candidates and scores can still be read with `galapagos show` and the UI.")


def load_task(spec: str, ctx: TaskContext) -> Task:
    factory = resolve_factory(spec)
    task = _load(lambda: factory(ctx), spec)
    missing = [m for m in ("instances", "seed_candidate", "fingerprint", "evaluate", "name")
               if not hasattr(task, m)]
    if missing:
        raise TaskError(f"Task '{spec}' does not implement {', '.join(missing)} of the "
                        "Task protocol (see galapagos.tasks.protocol).")
    return task


def _from_file(path: Path, attr: str, spec: str) -> Any:
    if not path.is_file():
        raise TaskNotFound(f"Task file '{path.absolute()}' does not exist (from task = "
                           f"'{spec}'; a relative path is taken from the config file's "
                           "folder, or on the command line from the current folder).")
    mod_name = f"galapagos_user_task_{abs(hash(str(path.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(mod_name, path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    _load(lambda: module_spec.loader.exec_module(module), spec)  # type: ignore[union-attr]
    return _attr(module, attr, spec)


def _attr(module: Any, attr: str, spec: str) -> Any:
    if not hasattr(module, attr):
        raise TaskNotFound(f"Task '{spec}': {module.__name__} has no attribute '{attr}'.")
    return getattr(module, attr)


def _load(fn: Any, spec: str) -> Any:
    try:
        return fn()
    except (TaskError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise TaskError(f"Task '{spec}' failed to load: {type(exc).__name__}: {exc}") from exc
