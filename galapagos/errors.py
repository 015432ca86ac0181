"""The exception tree. Every error a user can cause or meet derives from GalapagosError.

    GalapagosError
    ├── ConfigError            the config file or a flag is wrong (what, where, what is allowed)
    ├── TaskError              a task plug-in cannot load, or fails for every instance
    │   ├── TaskNotFound
    │   ├── BadResult          a task returned a score that cannot be stored (NaN, "abc", ...)
    │   └── EvaluationTimeout  evaluate() did not return in time: the candidate scores 0
    ├── InfrastructureError    not the candidate's fault: never scored, never cached
    │   ├── LLMError           an LLM call failed after its retries
    │   │   ├── LLMAuthError       the API key is missing or refused: stops the run at once
    │   │   ├── LLMTimeout
    │   │   ├── LLMUnexpectedCall  the scripted fake got a call it had no answer for
    │   │   └── BudgetExhausted    a call would go past the run's budget
    │   └── SandboxError       the sandbox backend cannot run anything (daemon, image, GPU)
    │       ├── ImageBuildError
    │       └── GPUUnavailable
    ├── ArchiveError           the SQLite archive is unreadable or from a newer version
    │   └── RunNotFound
    └── Interrupted            Ctrl-C or a stop file: the run stopped at a safe point

An evaluation that meets an InfrastructureError (or Python's ConnectionError/TimeoutError,
which third-party tasks raise for their own backends) is retried a few times and, if the
fault persists, stops the run as failed; what it would have scored is never stored, so
`resume` re-does exactly those evaluations. A candidate's own fault is a score of 0.

This module imports nothing, so every layer (archive and sandbox included) may use it.
Messages say what happened and how to fix it, in one paragraph.
"""


class GalapagosError(Exception):
    """Base of every error Galápagos raises on purpose."""


class ConfigError(GalapagosError):
    """The config file, a flag or an argument of the Python API is wrong; the message says
    what, where, and what is allowed."""


class TaskError(GalapagosError):
    """A task plug-in cannot load, fails for every instance, or no longer matches the run
    it should continue."""


class TaskNotFound(TaskError):
    """No task by that name: not installed, not an import path, not a file."""


class BadResult(TaskError):
    """A task's evaluate() returned what cannot be stored: a score that is not a finite
    number in the task's range (NaN, inf, 10**400, "abc", None, a bool), or no Result. The
    task's fault, not the candidate's: never stored, and the run stops naming the value."""


class EvaluationTimeout(TaskError):
    """A task's evaluate() did not return within ``[task] eval_timeout_s``. The evaluation
    scores 0 with this as feedback (the run goes on; a task that times out on a whole batch
    before it ever scored stops the run, as any task that fails everywhere does)."""


class InfrastructureError(GalapagosError):
    """The machinery failed (Docker, a model's API, a backend the task needs), not the
    candidate: such a failure is retried, never scored and never cached."""


class LLMError(InfrastructureError):
    """An LLM call failed after its retries."""


class LLMTimeout(LLMError):
    """An LLM call took longer than its timeout."""


class LLMAuthError(LLMError):
    """Persistent: no retry can fix a missing or refused key, so the run stops (resumable
    once the key is set) instead of going on with other proposers."""


class LLMUnexpectedCall(LLMError):
    """The scripted fake got a call it had no answer for."""


class BudgetExhausted(LLMError):
    """A call would go past the run's budget."""


class ArchiveError(GalapagosError):
    """The SQLite archive is unreadable, locked by another run's driver, or from a newer version."""


class RunNotFound(ArchiveError):
    """No run (or more than one) matches the id or prefix given."""


class SandboxError(InfrastructureError):
    """The sandbox backend cannot run anything (the Docker engine, an image, a GPU)."""


class ImageBuildError(SandboxError):
    """A sandbox image could not be built."""


class GPUUnavailable(SandboxError):
    """A GPU was asked for and none can be given."""


class Interrupted(GalapagosError):
    """Ctrl-C or a stop file: the run stopped at a safe point and can be resumed."""


def is_infrastructure(exc: BaseException) -> bool:
    """True for faults of the machinery rather than of the candidate under evaluation."""
    return isinstance(exc, (InfrastructureError, ConnectionError, TimeoutError))
