"""A seeded config fuzzer (issue 19.8): junk files, wrong types and shapes at every key,
out-of-range numbers, booleans for numbers, deep nesting, markup and escapes, broken
``--set`` values. Each case ends in a finished run or in one of our errors naming what is
wrong: never an "Unexpected error". (The ``executor`` and ``tracking`` tables are left out:
they start Ray and MLflow, whose errors have tests of their own.)"""

import random
import typing

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from galapagos.errors import GalapagosError
from galapagos.orchestrator.cli import app
from galapagos.orchestrator.config import Config
from tests.conftest import TOY

CASES = 240
BASE = (f'[run]\narchive = "a.db"\nname = "f"\n[task]\nname = "{TOY}"\n[llm]\n'
        'model = "fake/deterministic"\n[budget]\nmax_iterations = 1\n')
VALUES = ["true", "false", "0", "-1", "99999999999999999999", "1e400", "nan", "inf", "-inf",
          '""', '"x"', '"[bold]x[/"', '"\\u001b]0;title\\u0007"', "[]", "[1, 2]", '["a"]',
          "{}", "{ a = 1 }", "[[1], [2]]", '"/dev/null/x"', '"../../../../etc/passwd"',
          "1979-05-27T07:32:00Z", "0.5", "3", '"pareto"', '"local/gemma3-270m"']
FORCED = ["budget.max_iterations=1", "llm.max_retries=0", "llm.backoff_s=0",
          "llm.model=\"fake/deterministic\"",
          "loop.infra_backoff_s=0", "loop.infra_retries=0"]


def keys(model: type[BaseModel] = Config, prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        if prefix == "" and name in ("executor", "tracking"):
            continue
        inner = [a for a in (field.annotation, *typing.get_args(field.annotation))
                 if isinstance(a, type) and issubclass(a, BaseModel)]
        out += keys(inner[0], f"{prefix}{name}.") if inner else [f"{prefix}{name}"]
    return out


KEYS = keys()


def case(rng: random.Random, tmp_path) -> tuple[bytes, list[str]]:
    kind = rng.randrange(6)
    if kind == 0:  # binary junk, or a file cut short
        return (rng.randbytes(rng.randrange(1, 400)) if rng.random() < 0.5
                else BASE.encode()[:rng.randrange(len(BASE))]), []
    if kind == 1:  # a table given as a scalar
        table = rng.choice(["run", "task", "llm", "budget", "loop", "proposers", "selector"])
        return f"{table} = {rng.choice(VALUES)}\n{BASE}".encode(), []
    if kind == 2:  # deep nesting
        depth = rng.choice([50, 2000, 100_000])
        return f"{BASE}[task.options]\nx = {'[' * depth}{']' * depth}\n".encode(), []
    key, value = rng.choice(KEYS), rng.choice(VALUES)
    if kind == 3:
        return BASE.encode(), [f"{key}={value}"]
    if kind == 4:  # junk --set
        return BASE.encode(), [rng.choice([f"{key}", f"={value}", f"{key}.x.y={value}",
                                           f"run.seed={'[' * 3000}", f"{key}={value}{value}"])]
    section, _, leaf = key.rpartition(".")
    return f"{BASE}[{section}]\n{leaf} = {value}\n".encode().replace(
        f"[{section}]\n[{section}]".encode(), f"[{section}]".encode()), []


@pytest.mark.slow
def test_no_fuzzed_config_is_an_unexpected_error(tmp_path):
    rng, runner, bad = random.Random(19), CliRunner(), []
    for n in range(CASES):
        folder = tmp_path / str(n)
        folder.mkdir()
        text, sets = case(rng, folder)
        (folder / "c.toml").write_bytes(text)
        args = ["run", "-c", str(folder / "c.toml"), "-q"]
        for item in [*sets, *FORCED]:
            args += ["--set", item]
        res = runner.invoke(app, args)
        exc = res.exception
        if exc is not None and not isinstance(exc, (GalapagosError, SystemExit)):
            bad.append((n, text[:120], sets, f"{type(exc).__name__}: {exc}"[:300]))
    assert not bad, "\n".join(map(str, bad))
