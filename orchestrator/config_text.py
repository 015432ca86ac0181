"""Config text helpers: ``--set`` overrides as dotted keys, and validation errors as one
readable sentence that names the key."""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import ValidationError

from galapagos.errors import ConfigError


def parse_override(item: str) -> tuple[str, Any]:
    """``budget.max_iterations=10`` -> (key, 10); the value is read as TOML when it can be."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set '{item}' is not KEY=VALUE (for example "
                          "--set budget.max_iterations=10).")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw
    return key.strip(), value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = data
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"Cannot set '{key}': '{part}' is not a table.")
        node = child
    node[last] = value


def explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against config.toml"
        elif err["type"] == "missing":
            msg = "required; add it"
        got = err.get("input")
        shown = "" if err["type"] in ("missing", "extra_forbidden") else f" (got {got!r})"
        parts.append(f"[{where}] {msg}{shown}")
    return "; ".join(parts) + "."
