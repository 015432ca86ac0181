"""The exception tree. Every error a user can cause or meet derives from GalapagosError.

    GalapagosError
    ├── ConfigError            the config file or a flag is wrong (what, where, what is allowed)
    ├── TaskError              a task plug-in cannot load, or fails for every instance
    │   └── TaskNotFound
    ├── LLMError               an LLM call failed after its retries
    │   ├── LLMTimeout
    │   ├── LLMUnexpectedCall  the scripted fake got a call it had no answer for
    │   └── BudgetExhausted    a call would go past the run's LLM budget
    ├── ArchiveError           the SQLite archive is unreadable or from a newer version
    │   └── RunNotFound
    ├── SandboxError           the sandbox backend cannot run anything (daemon, image, GPU)
    │   ├── ImageBuildError
    │   └── GPUUnavailable
    └── Interrupted            Ctrl-C or a stop file: the run stopped at a safe point

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


class LLMError(GalapagosError):
    pass


class LLMTimeout(LLMError):
    pass


class LLMUnexpectedCall(LLMError):
    pass


class BudgetExhausted(LLMError):
    pass


class ArchiveError(GalapagosError):
    pass


class RunNotFound(ArchiveError):
    pass


class SandboxError(GalapagosError):
    pass


class ImageBuildError(SandboxError):
    pass


class GPUUnavailable(SandboxError):
    pass


class Interrupted(GalapagosError):
    pass
