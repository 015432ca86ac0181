"""DSPy programs as candidates (``pip install 'galapagos[dspy]'``).

The instructions of a program's predictors are the candidate's components (one per
predictor, by its name in the program); the program runs on each example with the LM the
caller configured (``dspy.configure(lm=...)``), the caller's DSPy metric scores it (a
number, a bool, or a ``dspy.Prediction(score=..., feedback=...)`` as GEPA's feedback
metrics return), and ``compile`` returns a copy of the program with the best instructions
set. It is ``galapagos.optimize`` underneath: the same archive, budget, resume and UI.

    import dspy
    from galapagos.dspy import GalapagosOptimizer

    dspy.configure(lm=dspy.LM("openai/gpt-4.1-mini"))
    optimizer = GalapagosOptimizer(metric, reflection_model="openai/gpt-4.1-mini",
                                   budget=gp.Budget(metric_calls=300), archive="runs.db")
    better = optimizer.compile(program, trainset=train, valset=val)
    better.galapagos.val, better.galapagos.run_id

What differs from DSPy's own optimisers: demonstrations are not evolved (a predictor's
``demos`` stay as the program has them), and the program's LM calls go through DSPy, so
they are not in the archive's LLM-call log (the reflection model's are). An LM that cannot
be reached (litellm's connection, timeout, rate-limit, server and key errors) is an
infrastructure fault: retried, never scored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import galapagos.agents  # noqa: F401 - first: it keeps litellm's price table offline
import dspy  # noqa: I001

from galapagos.errors import InfrastructureError
from galapagos.results import RunResult
from galapagos.runs import optimize
from galapagos.tasks.digest import data_digest, function_digest
from galapagos.tasks.protocol import Result


def components(program: dspy.Module) -> dict[str, str]:
    """The program's predictors' instructions, by predictor name."""
    return {name: pred.signature.instructions for name, pred in program.named_predictors()}


def with_components(program: dspy.Module, texts: dict[str, str]) -> dspy.Module:
    """A copy of ``program`` whose predictors carry ``texts`` as their instructions."""
    copy = program.deepcopy()
    for name, pred in copy.named_predictors():
        if name in texts:
            pred.signature = pred.signature.with_instructions(texts[name])
    return copy


class ProgramScore:
    """``score(candidate, example)`` for ``optimize``: the program with the candidate's
    instructions, run on the example's inputs and judged by the metric."""

    def __init__(self, program: dspy.Module, metric: Callable[..., Any]):
        self.program, self.metric = program, metric
        # the caller's LM and adapter, as dspy.configure or dspy.context set them here:
        # evaluations run on other threads (or Ray workers), which DSPy's context skips
        self.settings = {k: getattr(dspy.settings, k) for k in ("lm", "adapter")
                         if getattr(dspy.settings, k, None) is not None}
        code = [function_digest(metric), function_digest(type(program).forward)]
        code += [function_digest(type(m).forward) for _, m in program.named_sub_modules()
                 if hasattr(type(m), "forward")]
        shape = data_digest({n: str(p.signature) for n, p in program.named_predictors()})
        self.__galapagos_digest__ = hashlib.sha256(
            "|".join([*code, shape]).encode()).hexdigest()[:16]

    def __call__(self, candidate: dict[str, str], example: Any) -> Result:
        program = with_components(self.program, candidate)
        with dspy.context(**self.settings):
            try:
                prediction = program(**example.inputs())
            except _LM_FAULTS as exc:
                raise InfrastructureError(f"the program's LM failed: {type(exc).__name__}: "
                                          f"{str(exc)[:300]}") from exc
            except _PARSE_FAULTS as exc:  # it answered, not in the program's format
                return Result(0.0, feedback="the LM's answer did not parse into the "
                              f"program's fields: {' '.join(str(exc).split())[:300]}")
            judged = self.metric(example, prediction, None)
        return Result(_score(judged), output=_output(prediction),
                      feedback=str(getattr(judged, "feedback", "") or ""))


class GalapagosOptimizer:
    """A DSPy optimiser (``compile(student, trainset=..., valset=...)``) backed by
    Galápagos' search; ``options`` are :func:`galapagos.optimize`'s (``reflection_model``,
    ``budget``, ``archive``, ``name``, ``config``, ``overrides``, ``listeners``, ...)."""

    def __init__(self, metric: Callable[..., Any], **options: Any):
        self.metric, self.options = metric, {"name": "dspy", **options}

    def compile(self, student: dspy.Module, *, trainset: Iterable[Any],
                valset: Iterable[Any] | None = None, testset: Iterable[Any] = ()
                ) -> dspy.Module:
        """The student with the best instructions found; its ``galapagos`` attribute is
        the run's :class:`~galapagos.RunResult`."""
        train = list(trainset)
        result: RunResult = optimize(
            components(student), ProgramScore(student, self.metric), train=train,
            val=train if valset is None else valset, test=testset, **self.options)
        best = with_components(student, result.best)  # type: ignore[arg-type]
        best.galapagos = result
        return best


def _score(judged: Any) -> float:
    value = getattr(judged, "score", judged)
    if isinstance(value, (bool, int, float)):
        return float(value)
    raise TypeError(f"the metric returned {type(judged).__name__}; return a number, a bool "
                    "or dspy.Prediction(score=..., feedback=...)")


def _output(prediction: Any) -> str:
    try:
        return "\n".join(f"{k}: {v}" for k, v in prediction.items())
    except AttributeError:
        return str(prediction)


def _lm_faults() -> tuple[type[BaseException], ...]:
    """What DSPy (3.4 on: its own classes) and litellm raise when the LM cannot answer,
    as opposed to a request the candidate made bad (too long a prompt) or an answer that
    does not parse: those are the candidate's fault."""
    import litellm

    found: list[type[BaseException]] = [
        litellm.APIConnectionError, litellm.Timeout, litellm.RateLimitError,
        litellm.ServiceUnavailableError, litellm.InternalServerError,
        litellm.AuthenticationError, ConnectionError, TimeoutError]
    try:
        from dspy.utils import exceptions
    except ImportError:  # an older DSPy: litellm's own errors reach us
        return tuple(found)
    names = ("LMTransportError", "LMLockTimeoutError", "LMConfigurationError",
             "LMAuthError", "LMBillingError", "LMRateLimitError", "LMTimeoutError",
             "LMServerError")
    return (*found, *(getattr(exceptions, n) for n in names if hasattr(exceptions, n)))


def _parse_faults() -> tuple[type[BaseException], ...]:
    """What DSPy raises when the LM answered but the answer does not parse into the
    program's output fields: the candidate's instructions led it there, a score of 0."""
    try:
        from dspy.utils.exceptions import AdapterParseError
    except ImportError:
        return ()
    return (AdapterParseError,)


_LM_FAULTS = _lm_faults()
_PARSE_FAULTS = _parse_faults()
