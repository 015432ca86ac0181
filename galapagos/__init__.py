"""Galápagos: evolve prompts and agent code with reflective, Pareto-guided search.

From Python::

    import galapagos as gp

    result = gp.optimize("Answer the question.", score, train=train, val=val,
                         budget=gp.Budget(metric_calls=300), archive="runs.db")
    result.best, result.val, result.test
    gp.open("runs.db").run(result.run_id).candidates()

The package is split along the layout of the project card; each part lives in its own
top-level folder of the repository and is imported under this namespace:

- ``galapagos.archive``: the SQLite store (no imports of ours but ``galapagos.errors``)
- ``galapagos.sandbox``: running untrusted code (likewise)
- ``galapagos.agents``: the LLM layer and what gets evolved
- ``galapagos.tasks``: the evaluator protocol and built-in tasks
- ``galapagos.orchestrator``: the loop, selectors, proposers, config and CLI

and this module's names are the public Python API, a thin layer over the orchestrator as
the CLI is. Its names are loaded on first use, so ``import galapagos`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_WHERE = {
    "optimize": "galapagos.runs", "resume": "galapagos.runs", "Budget": "galapagos.runs",
    "RunResult": "galapagos.results", "Member": "galapagos.results",
    "open": "galapagos.reading", "ArchiveReader": "galapagos.reading",
    "RunReader": "galapagos.reading", "CandidateInfo": "galapagos.reading",
    "answer": "galapagos.tasks.function", "Program": "galapagos.tasks.function",
    "Result": "galapagos.tasks.protocol",
    "events": "galapagos.archive.events",
    **{name: "galapagos.errors" for name in (
        "GalapagosError", "ConfigError", "TaskError", "TaskNotFound", "InfrastructureError",
        "LLMError", "SandboxError", "ArchiveError", "RunNotFound", "Interrupted")},
}
__all__ = [
    "ArchiveError", "ArchiveReader", "Budget", "CandidateInfo", "ConfigError",
    "GalapagosError", "InfrastructureError", "Interrupted", "LLMError", "Member", "Program",
    "Result",
    "RunNotFound", "RunReader", "RunResult", "SandboxError", "TaskError", "TaskNotFound",
    "__version__", "answer", "events", "open", "optimize", "resume",
]

if TYPE_CHECKING:
    from galapagos.archive import events
    from galapagos.errors import (ArchiveError, ConfigError, GalapagosError,
                                  InfrastructureError, Interrupted, LLMError, RunNotFound,
                                  SandboxError, TaskError, TaskNotFound)
    from galapagos.reading import ArchiveReader, CandidateInfo, RunReader, open
    from galapagos.results import Member, RunResult
    from galapagos.runs import Budget, optimize, resume
    from galapagos.tasks.function import Program, answer
    from galapagos.tasks.protocol import Result


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'galapagos' has no attribute {name!r}")
    module = importlib.import_module(_WHERE[name])
    value = module if name == "events" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
