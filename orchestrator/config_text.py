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


MAX_DEPTH = 16  # a config needs three or four levels; deeper is a mistake (or an attack)


def shown_key(parts: list[str]) -> str:
    """A key as a person can read it, however many parts it has."""
    text = ".".join(str(p)[:40] for p in parts[:6])
    return text + (f".… ({len(parts)} parts)" if len(parts) > 6 else "")


def check_depth(data: dict[str, Any], source: str) -> None:
    """A ConfigError naming the first key nested deeper than ``MAX_DEPTH`` tables."""
    stack: list[tuple[list[str], Any]] = [([], data)]
    while stack:
        path, node = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ConfigError(f"{source}: [{'.'.join(path[:6])}.…] nests tables more than "
                              f"{MAX_DEPTH} deep; no configuration key does. Check the table "
                              "headers and dotted keys against config.toml.")
        if isinstance(node, dict):
            stack.extend(([*path, str(k)], v) for k, v in node.items())


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    if key.count(".") >= MAX_DEPTH:
        raise ConfigError(f"--set '{shown_key(key.split('.'))}' has more than {MAX_DEPTH} "
                          "parts; no configuration key does (e.g. budget.max_iterations).")
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
