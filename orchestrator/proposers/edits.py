"""Edits to program candidates, parsed strictly. An LLM answers with blocks

    path/to/file.py
    <<<<<<< SEARCH
    exact lines of the current file
    =======
    their replacement
    >>>>>>> REPLACE

or rewrites a whole (small) file with ``<<<<<<< FILE path`` ... ``>>>>>>> FILE``. A block
that matches nothing or more than one place, a cut-off answer, a path outside the tree,
binary content or an edit that changes nothing is a rejected proposal with its reason,
never a child. ``violation`` then holds any child, whoever made it, to what the task
allows to change."""

from __future__ import annotations

import ast
import fnmatch
import re

from galapagos.tasks.protocol import Editable

SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"
FILE_OPEN, FILE_CLOSE = re.compile(r"^<<<<<<< FILE (\S+)\s*$"), ">>>>>>> FILE"
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class EditError(ValueError):
    """Why an answer gives no child (kept as the proposal's rejection reason)."""


def apply_answer(answer: str, files: dict[str, str]) -> dict[str, str]:
    """The files after every edit block of ``answer``; raises EditError on any fault."""
    if not answer.strip():
        raise EditError("empty answer")
    lines = answer.splitlines()
    out, i, blocks = dict(files), 0, 0
    while i < len(lines):
        if lines[i].strip() == SEARCH:
            i = _search_replace(lines, i, out, blocks + 1)
            blocks += 1
        elif m := FILE_OPEN.match(lines[i].strip()):
            i = _whole_file(lines, i, m.group(1), out, blocks + 1)
            blocks += 1
        else:
            i += 1
    if not blocks:
        raise EditError("no edit blocks in the answer")
    if out == files:
        raise EditError("the edits change nothing")
    return out


def _search_replace(lines: list[str], i: int, out: dict[str, str], n: int) -> int:
    path = _path(_previous_text(lines, i), out, n, must_exist=True)
    try:
        mid = lines.index(DIVIDER, i + 1)
        end = next(k for k in range(mid + 1, len(lines)) if lines[k].strip() == REPLACE)
    except (ValueError, StopIteration):
        raise EditError(f"truncated answer (block {n} has no {REPLACE} line)") from None
    old, new = "\n".join(lines[i + 1:mid]), "\n".join(lines[mid + 1:end])
    if not old.strip():
        raise EditError(f"block {n} has an empty SEARCH part (use a FILE block for new files)")
    _text_only(new, n)
    count = out[path].count(old)
    if count != 1:
        where = "nothing" if count == 0 else f"{count} places"
        raise EditError(f"SEARCH block {n} matches {where} in {path}")
    out[path] = out[path].replace(old, new, 1)
    return end + 1


def _whole_file(lines: list[str], i: int, raw: str, out: dict[str, str], n: int) -> int:
    path = _path(raw, out, n, must_exist=False)
    try:
        end = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == FILE_CLOSE)
    except StopIteration:
        raise EditError(f"truncated answer (block {n} has no {FILE_CLOSE} line)") from None
    text = "\n".join(lines[i + 1:end]) + "\n"
    _text_only(text, n)
    out[path] = text
    return end + 1


def _previous_text(lines: list[str], i: int) -> str:
    for k in range(i - 1, -1, -1):
        if lines[k].strip() and not lines[k].strip().startswith("```"):
            return lines[k]
    raise EditError(f"an edit block (line {i + 1}) names no file before it")


def _path(raw: str, files: dict[str, str], n: int, must_exist: bool) -> str:
    path = raw.strip().strip("`*#: ").removeprefix("./")
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or ".." in parts or "" in parts:
        raise EditError(f"block {n} names a path outside the program: {raw.strip()[:80]!r}")
    if must_exist and path not in files:
        raise EditError(f"block {n} edits {path}, which is not in the program")
    return path


def _text_only(text: str, n: int) -> None:
    if BINARY.search(text):
        raise EditError(f"block {n} contains binary content")


def violation(rules: Editable, old: dict[str, str], new: dict[str, str]) -> str | None:
    """Why ``new`` changes what the task does not allow, or None."""
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        if not any(fnmatch.fnmatchcase(path, g) for g in rules.paths):
            return f"changes {path}, which the task does not allow to change"
        frozen = _frozen(rules, old[path]) if path in old else None
        if frozen is not None and frozen != _frozen(rules, new.get(path, "")):
            return (f"changes {path} outside its {rules.start} / {rules.end} region(s)")
    return None


def _frozen(rules: Editable, text: str) -> list[str] | None:
    """The lines outside the marked regions (None: the file has no markers, all may change)."""
    if not (rules.start and rules.end) or rules.start not in text:
        return None
    kept, inside = [], False
    for line in text.splitlines():
        if rules.start in line or rules.end in line:
            inside = rules.start in line
            kept.append(line)
        elif not inside:
            kept.append(line)
    return kept


def syntax_error(files: dict[str, str], changed: set[str]) -> str | None:
    """A changed Python file that does not parse: the reason, with the line."""
    for path in sorted(changed):
        if path.endswith(".py") and path in files:
            try:
                ast.parse(files[path], filename=path)
            except SyntaxError as exc:
                return f"{path} does not parse: {exc.msg} (line {exc.lineno})"
    return None
