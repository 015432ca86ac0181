"""Fingerprints of what a Python caller hands ``galapagos.optimize``: its examples and its
scoring function, stable from one process to the next (so a resumed run recognises its own
data and code) and different when either changes (so it refuses scores that no longer
hold).

A function's digest covers its bytecode, constants and names, its default arguments, the
immutable values (numbers, texts, tuples of them) of its closure and of the globals it
reads, and, recursively, the functions of its own module that it calls: an edited helper or
threshold changes the digest, a comment or a blank line does not. Mutable values (a
counter, a cache, a dict of data) count by their type, since they change as the run goes;
functions of other packages count by their qualified name (a library upgrade is not seen)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import types
from collections.abc import Mapping
from typing import Any

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_PLAIN = (str, int, float, bool, bytes, type(None))


def data_digest(value: Any) -> str:
    """A digest of examples (dicts, tuples, lists, dataclasses, plain objects)."""
    text = json.dumps(canonical(value), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def canonical(value: Any) -> Any:
    """The value as JSON-able data that is the same in every process (no addresses)."""
    if isinstance(value, _PLAIN):
        return value if not isinstance(value, bytes) else value.hex()
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if (plain := _as_dict(value)) is not None:
        return {"@": type(value).__qualname__, **canonical(plain)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"@": type(value).__qualname__, **canonical(dataclasses.asdict(value))}
    if hasattr(value, "__dict__") and not callable(value):
        return {"@": type(value).__qualname__, **canonical(vars(value))}
    return _ADDRESS.sub("", repr(value))


def _as_dict(value: Any) -> dict[str, Any] | None:
    """What a pydantic model, a DSPy example and their kind say they hold."""
    for method in ("model_dump", "toDict", "to_dict"):
        fn = getattr(value, method, None)
        if callable(fn) and not isinstance(value, type):
            try:
                out = fn()
            except Exception:  # noqa: BLE001 - not that kind of method: look elsewhere
                continue
            if isinstance(out, Mapping):
                return dict(out)
    return None


def function_digest(fn: Any) -> str:
    """A digest of a callable's behaviour as far as its code shows it; a callable that
    knows better (a wrapper) states its own as ``__galapagos_digest__``."""
    own = getattr(fn, "__galapagos_digest__", None)
    if isinstance(own, str):
        return own
    parts: list[str] = []
    _callable(fn, parts, set(), getattr(fn, "__module__", None))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _callable(fn: Any, parts: list[str], seen: set[int], home: str | None) -> None:
    if id(fn) in seen:
        return
    seen.add(id(fn))
    if isinstance(fn, functools.partial):
        parts.append(repr(canonical([fn.args, fn.keywords])))
        return _callable(fn.func, parts, seen, home)
    fn = getattr(fn, "__wrapped__", fn)
    if isinstance(fn, types.MethodType):
        parts.append(repr(canonical(fn.__self__)))
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        call = next((vars(k)["__call__"] for k in type(fn).__mro__ if "__call__" in vars(k)),
                    None)
        if isinstance(call, types.FunctionType):  # a callable object: its method and state
            parts.append(repr(canonical(fn)))
            return _callable(call, parts, seen, home)
        parts.append(_name(fn))
        return
    if fn.__module__ != home:  # another package's function: its name stands for it
        parts.append(_name(fn))
        return
    _code(fn.__code__, parts)
    parts.append(repr(canonical(fn.__defaults__)))
    for cell in fn.__closure__ or ():
        _value(_cell(cell), parts, seen, home)
    for name in _names(fn.__code__):
        if name in fn.__globals__:
            _value(fn.__globals__[name], parts, seen, home)


def _value(value: Any, parts: list[str], seen: set[int], home: str | None) -> None:
    if callable(value) and not isinstance(value, type):
        _callable(value, parts, seen, home)
    elif isinstance(value, type):
        parts.append(_name(value))
    elif isinstance(value, types.ModuleType):
        parts.append(value.__name__)
    elif _frozen(value):
        parts.append(repr(canonical(value))[:10_000])
    else:  # mutable state (a counter, a cache) changes as it runs: its kind stands for it
        parts.append(_name(type(value)))


def _frozen(value: Any) -> bool:
    if isinstance(value, (tuple, frozenset)):
        return all(_frozen(v) for v in value)
    return isinstance(value, _PLAIN)


def _code(code: types.CodeType, parts: list[str]) -> None:
    parts.append(code.co_code.hex())
    parts.append(repr(code.co_names))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code(const, parts)
        else:
            parts.append(repr(const))


def _names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += _names(const)
    return list(dict.fromkeys(names))


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (a name bound later)
        return None


def _name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
