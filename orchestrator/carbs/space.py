"""Knobs: the numeric settings of a program candidate that CARBS tunes, declared where they
are assigned, inside the program's editable region:

    LR = 3e-3        # knob: log
    WIDTH = 64       # knob: log int 8..1024
    DROPOUT = 0.1    # knob: logit
    MOMENTUM = 0.9   # knob: linear 0..0.99

``space`` is ``linear``, ``log`` or ``logit``; ``int`` rounds to whole numbers; ``low..high``
bounds it (optional: CARBS works unbounded). The value assigned in the seed is the search
centre. A prompt candidate's model settings are knobs too: a ``[search_space]`` table in the
config is written as the same lines into the candidate's settings component, which these
functions read under the name ``SEARCH_SPACE``. CARBS searches a "basic" space where each
knob is a plain real line: ``log`` and ``logit`` knobs are transformed, a linear knob is
divided by its scale."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from galapagos.errors import ConfigError

Space = Literal["linear", "log", "logit"]
MARK = re.compile(
    r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)"
    r"\s*#\s*knob:(?P<spec>[^\n]*)$", re.M)
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
SEARCH_SPACE = "[search_space]"  # where a settings component's knobs are read from


def _declares(path: str) -> bool:
    return path.endswith(".py") or path == SEARCH_SPACE


@dataclass(frozen=True)
class Knob:
    name: str
    space: Space
    center: float
    low: float | None = None
    high: float | None = None
    integer: bool = False

    @property
    def scale(self) -> float:
        """One unit of the basic space: natural-log units for log and logit knobs; for a
        linear knob a quarter of its range, else a third of its centre (or 1)."""
        if self.space != "linear":
            return 1.0
        if self.low is not None and self.high is not None:
            return (self.high - self.low) / 4
        return abs(self.center) / 3 or 1.0

    def to_basic(self, value: float) -> float:
        if self.space == "log":
            return math.log(value)
        if self.space == "logit":
            return math.log(value / (1 - value))
        return value / self.scale

    def from_basic(self, x: float) -> float:
        """The knob's value at basic coordinate ``x``: bounded, and whole where asked."""
        if self.space == "log":
            value = math.exp(min(x, 700.0))
        elif self.space == "logit":
            value = 1 / (1 + math.exp(-max(min(x, 700.0), -700.0)))
        else:
            value = x * self.scale
        if self.low is not None:
            value = max(value, self.low)
        if self.high is not None:
            value = min(value, self.high)
        if self.integer:
            value = float(round(value))
            if self.space == "log":
                value = max(value, 1.0)  # a whole number a log knob can be
        return value

    def text(self, value: float) -> str:
        """The value as the program's source writes it."""
        return str(int(value)) if self.integer else f"{value:.6g}"


def knobs_in(files: dict[str, str]) -> dict[str, Knob]:
    """Every knob declared in a program's files, by name; a bad declaration is a
    ConfigError naming the knob and its file."""
    found: dict[str, Knob] = {}
    for path in sorted(files):
        if not _declares(path):
            continue
        for m in MARK.finditer(files[path]):
            knob = parse(m["name"], float(m["value"]), m["spec"], path)
            if knob.name in found:
                raise ConfigError(f"Knob '{knob.name}' is declared twice ({path}): give each "
                                  "knob one assignment marked '# knob: ...'.")
            found[knob.name] = knob
    return found


def parse(name: str, value: float, spec: str, where: str = "") -> Knob:
    words = spec.replace(",", " ").split()
    at = f"Knob '{name}'" + (f" ({where})" if where else "")
    if not words or words[0] not in ("linear", "log", "logit"):
        raise ConfigError(f"{at}: '# knob:' must name its space first: linear, log or "
                          f"logit (got {spec.strip()!r}), e.g. '# knob: log 1e-5..1'.")
    space, integer, low, high = words[0], "int" in words[1:], None, None
    for w in words[1:]:
        if w == "int":
            continue
        bounds = re.fullmatch(rf"({_NUMBER})?\.\.({_NUMBER})?", w)
        if not bounds:
            raise ConfigError(f"{at}: cannot read {w!r}; write 'int' and/or bounds as "
                              "'low..high' (either side may be left out).")
        low = float(bounds[1]) if bounds[1] else None
        high = float(bounds[2]) if bounds[2] else None
    knob = Knob(name, space, value, low, high, integer)  # type: ignore[arg-type]
    check(knob, at)
    return knob


def check(k: Knob, at: str) -> None:
    if k.low is not None and k.high is not None and k.low >= k.high:
        raise ConfigError(f"{at}: its low bound {k.low:g} is not below its high {k.high:g}.")
    if (k.low is not None and k.center < k.low) or (k.high is not None and k.center > k.high):
        raise ConfigError(f"{at}: its value {k.center:g} (the search centre) lies outside "
                          f"its bounds {k.low}..{k.high}.")
    if k.space == "log" and (k.center <= 0 or (k.low is not None and k.low <= 0)):
        raise ConfigError(f"{at}: a log knob must be above 0 (value {k.center:g}, low "
                          f"{k.low}).")
    if k.space == "logit":
        if k.integer:
            raise ConfigError(f"{at}: a logit knob is a fraction in (0, 1); it cannot be "
                              "an integer ('int').")
        if not 0 < k.center < 1 or any(b is not None and not 0 <= b <= 1
                                       for b in (k.low, k.high)):
            raise ConfigError(f"{at}: a logit knob lies in (0, 1); its value is "
                              f"{k.center:g} (bounds {k.low}..{k.high}).")


def values_in(files: dict[str, str], knobs: dict[str, Knob]) -> dict[str, float]:
    """The values a program assigns to the knobs it declares."""
    out: dict[str, float] = {}
    for path in sorted(files):
        for m in MARK.finditer(files[path]) if _declares(path) else ():
            if m["name"] in knobs:
                out[m["name"]] = float(m["value"])
    return out


def with_values(files: dict[str, str], knobs: dict[str, Knob], values: dict[str, float]
                ) -> dict[str, str]:
    """The program with each knob's assignment set to ``values`` (comments kept)."""
    def put(m: re.Match[str]) -> str:
        name = m["name"]
        if name not in values:
            return m[0]
        return f"{m['indent']}{name} = {knobs[name].text(values[name])}  # knob:{m['spec']}"

    return {p: MARK.sub(put, t) if _declares(p) else t for p, t in files.items()}


def declared(files: dict[str, str], components: dict[str, str]) -> dict[str, str]:
    """Where a stored candidate declares knobs, for reports that do not know its task: its
    program files, and the first component whose text marks knobs (a settings component)."""
    marked = [t for _, t in sorted(components.items()) if MARK.search(t)]
    return {**files, SEARCH_SPACE: marked[0]} if marked else dict(files)


def declaration(name: str, value: float, space: str, low: float | None = None,
                high: float | None = None, integer: bool = False) -> str:
    """One knob's line, as a program or a settings component writes it."""
    bounds = "" if low is None and high is None else \
        f" {'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}"
    shown = str(int(value)) if integer else f"{value:.6g}"
    return f"{name} = {shown}  # knob: {space}{' int' if integer else ''}{bounds}"
