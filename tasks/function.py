"""A task made from Python objects: a seed, a scoring function and lists of examples, as
``galapagos.optimize`` receives them. It is a task like any other (the same loop, archive,
budget and resume); only its name, ``python:<run name>``, says where it came from.

The scoring function is called as ``score(candidate, example)``: ``candidate`` is the text
when the seed was a string, else the ``{name: text}`` mapping. It may be a coroutine
function. It returns a number, ``(number, feedback)``, a mapping with ``score`` (and
``feedback``, ``output``), or a :class:`~galapagos.tasks.Result`. A raise is the
candidate's fault (score 0, the error as feedback), except the infrastructure faults of
``galapagos.errors`` (and ``ConnectionError``/``TimeoutError``): retried, never scored.
Calls to the model through :func:`answer` made while it runs are logged with the
evaluation; the last answer is the evaluation's output (what reflection reads beside the
score and feedback) and the calls are its trace."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import math
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from galapagos.tasks.digest import canonical, data_digest, function_digest
from galapagos.tasks.protocol import Editable, Instance, Result, Split, TaskContext

TEXT = "prompt"  # the component a string seed becomes
SPLITS: tuple[Split, ...] = ("train", "val", "test")
Form = Literal["text", "components", "files"]  # what the seed was, so what score receives


@dataclass(frozen=True)
class Program:
    """A seed that is a tree of files (``{path: text}``): the candidate is a program, which
    program proposers (``code_edit``, ``literal``, ``carbs``) change where ``editable``'s
    globs (and EVOLVE-BLOCK markers, if a file has them) allow. ``score(files, example)``
    receives the files; it runs nothing by itself: to run candidate code, use a sandbox
    (``galapagos.sandbox``), never ``exec`` on this machine."""

    files: Mapping[str, str]
    editable: tuple[str, ...] = ("*",)


@dataclass
class _Session:
    """The evaluation in progress on this thread: who serves its model calls, and the
    calls it made (its trace)."""

    client: Callable[[str], Any]
    calls: list[dict[str, str]] = field(default_factory=list)


_session: ContextVar[_Session | None] = ContextVar("galapagos_function_task", default=None)
_plain: dict[str, Any] = {}


def answer(model: str, prompt: str, *, max_tokens: int = 32, stop: list[str] | None = None,
           **params: Any) -> str:
    """The model's answer to ``prompt``: greedy, at most ``max_tokens`` tokens, cut at the
    end of its first line (``stop``, default ``["\\n"]``), stripped. Inside a run's
    evaluation the call is logged in the archive with the evaluation it served and shown to
    reflection; outside one it is a plain call. ``model`` is named as litellm names it
    (``"openai/gpt-4.1-mini"``), or ``"local/gemma3-270m"`` (embedded), ``"fake/..."``."""
    session = _session.get()
    client = session.client(model) if session else _plain_client(model)
    text = client.answer(prompt, max_tokens=max_tokens, stop=stop, **params)
    if session is not None:
        session.calls.append({"model": model, "prompt": prompt, "answer": text})
    return text


def _plain_client(model: str) -> Any:
    from galapagos.agents.llm import LLMClient

    if model not in _plain:
        _plain[model] = LLMClient(model)
    return _plain[model]


@dataclass
class FunctionTaskFactory:
    """What the run keeps of the caller's objects; called with the run's context (here,
    or on a Ray worker it was shipped to) to make the task."""

    name: str
    seed: dict[str, str]
    form: Form
    score: Callable[..., Any]
    splits: dict[str, list[Any]]
    program: Program | None = None

    def __call__(self, ctx: TaskContext) -> "FunctionTask":
        kind = FunctionTask if self.program is None else FunctionProgramTask
        return kind(self, ctx.llm)

    def digests(self) -> dict[str, str]:
        """What a resumed run must find unchanged, part by part."""
        seed = self.seed if self.program is None else dict(self.program.files)
        return {**{s: data_digest(self.splits[s]) for s in SPLITS},
                "score": function_digest(self.score), "seed": data_digest(seed)}


class FunctionTask:
    objectives: dict[str, str] = {}

    def __init__(self, made: FunctionTaskFactory, llm: Callable[[str], Any] | None):
        self.made, self.name = made, made.name
        self._llm, self._clients, self._lock = llm, {}, threading.Lock()
        self._examples = {f"{s}-{i}": ex for s in SPLITS
                          for i, ex in enumerate(made.splits[s])}

    def instances(self) -> Sequence[Instance]:
        return [Instance(iid, iid.rpartition("-")[0], describe(ex))  # type: ignore[arg-type]
                for iid, ex in self._examples.items()]

    def seed_candidate(self) -> dict[str, str]:
        return dict(self.made.seed)

    def fingerprint(self) -> str:
        d = self.made.digests()
        return "|".join(f"{k}={d[k]}" for k in (*SPLITS, "score"))

    def evaluate(self, candidate: dict[str, str], instance: Instance) -> Result:
        session = _Session(self._client)
        token = _session.set(session)
        try:
            given = candidate[TEXT] if self.made.form == "text" else dict(candidate)
            out = _settle(self.made.score(given, self._examples[instance.id]))
        finally:
            _session.reset(token)
        result = as_result(out)
        if result.trace is None and session.calls:
            result.trace = session.calls
        if not result.output and session.calls:
            result.output = session.calls[-1]["answer"]
        return result

    def _client(self, model: str) -> Any:
        with self._lock:
            if model not in self._clients:
                self._clients[model] = (self._llm or _plain_client)(model)
            return self._clients[model]


class FunctionProgramTask(FunctionTask):
    """The same, for a :class:`Program` seed."""

    def seed_files(self) -> dict[str, str]:
        assert self.made.program is not None
        return dict(self.made.program.files)

    def editable(self) -> Editable:
        assert self.made.program is not None
        return Editable(paths=tuple(self.made.program.editable))

    def smoke(self, files: dict[str, str]) -> str | None:
        return None


def as_result(value: Any) -> Result:
    """What a scoring function returned, as a Result (a TypeError says what it may be)."""
    if isinstance(value, Result):
        return _finite(value)
    if isinstance(value, numbers.Real):
        return _finite(Result(float(value)))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], numbers.Real):
        return _finite(Result(float(value[0]), feedback=str(value[1])))
    if isinstance(value, Mapping) and isinstance(value.get("score"), numbers.Real):
        return _finite(Result(float(value["score"]), output=str(value.get("output", "")),
                              feedback=str(value.get("feedback", ""))))
    raise TypeError(f"the scoring function returned {type(value).__name__} "
                    f"{str(value)[:80]!r}; return a number, (number, feedback), "
                    "{'score': number, 'feedback': text} or galapagos.Result")


def _finite(result: Result) -> Result:
    if not math.isfinite(result.score):
        raise ValueError(f"the scoring function returned the score {result.score}; a score "
                         "must be a finite number (higher is better)")
    return result


def _settle(out: Any) -> Any:
    """A coroutine's value; run on a thread of its own when this one has a running event
    loop (a notebook's), with this thread's context (the evaluation in progress)."""
    if not inspect.isawaitable(out):
        return out
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(out))
    box: list[Any] = []
    ctx = contextvars.copy_context()
    worker = threading.Thread(target=lambda: box.append(ctx.run(_run_catching, out)))
    worker.start()
    worker.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _run_catching(out: Any) -> Any:
    try:
        return asyncio.run(_awaited(out))
    except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
        return exc


async def _awaited(out: Any) -> Any:
    return await out


def describe(example: Any) -> str:
    """An example as reflection reads it: ``key: value`` lines for a mapping."""
    if isinstance(example, str):
        return example
    data = canonical(example)
    if isinstance(data, dict):
        return "\n".join(f"{k}: {v}" for k, v in data.items() if k != "@")
    return repr(data)
