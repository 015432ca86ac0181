"""The exception tree. Every error a user can cause or meet derives from GalapagosError.

    GalapagosError
    ├── ConfigError            the config file or a flag is wrong (what, where, what is allowed)
    ├── TaskError              a task plug-in cannot load, or fails for every instance
    │   └── TaskNotFound
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
    pass


class TaskError(GalapagosError):
    pass


class TaskNotFound(TaskError):
    pass


class InfrastructureError(GalapagosError):
    """The machinery failed (Docker, a model's API, a backend the task needs), not the
    candidate: such a failure is retried, never scored and never cached."""


class LLMError(InfrastructureError):
    pass


class LLMTimeout(LLMError):
    pass


class LLMAuthError(LLMError):
    """Persistent: no retry can fix a missing or refused key, so the run stops (resumable
    once the key is set) instead of going on with other proposers."""


class LLMUnexpectedCall(LLMError):
    pass


class BudgetExhausted(LLMError):
    pass


class ArchiveError(GalapagosError):
    pass


class RunNotFound(ArchiveError):
    pass


class SandboxError(InfrastructureError):
    pass


class ImageBuildError(SandboxError):
    pass


class GPUUnavailable(SandboxError):
    pass


class Interrupted(GalapagosError):
    pass


def is_infrastructure(exc: BaseException) -> bool:
    """True for faults of the machinery rather than of the candidate under evaluation."""
    return isinstance(exc, (InfrastructureError, ConnectionError, TimeoutError))
