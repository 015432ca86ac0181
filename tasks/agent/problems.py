"""Agent problems: small repositories with an issue, a bug, visible tests and hidden tests,
and single-function problems in the HumanEval format.

A repository problem is a folder:

    my_repo/
      ISSUE.md            the issue the agent is given
      ...                 the code (any layout), visible tests under tests/ (unittest)
      .hidden/check.py    hidden tests: def check(call): assert call("pkg.mod.fn", 1) == 2
      .hidden/split       optional: train, val or test (else a hash of the name decides)

``.hidden/`` never reaches the agent: the workspace is everything else. Hidden tests call
workspace functions by dotted name with literal arguments and compare literal results (the
grader and the code under test are separate processes and uids). A function problem is a
HumanEval-format JSONL row: the workspace is ``solution.py`` holding the prompt."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from galapagos.errors import TaskError
from galapagos.tasks.protocol import hash_split

HIDDEN = ".hidden"
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Problem:
    id: str
    split: str
    issue: str
    workspace: dict[str, str]
    check: str = ""            # repository problems: the hidden check(call)
    task_id: str = ""          # function problems: the row in the functions file


def load_repos(root: Path) -> list[Problem]:
    if not root.is_dir():
        raise TaskError(f"Agent repositories folder '{root}' does not exist; set "
                        "[task.options] repos to a folder of repositories.")
    return [_repo(d) for d in sorted(root.iterdir()) if d.is_dir()]


def _repo(folder: Path) -> Problem:
    check, issue = folder / HIDDEN / "check.py", folder / "ISSUE.md"
    if not (check.is_file() and issue.is_file()):
        raise TaskError(f"Repository problem '{folder}' needs ISSUE.md and {HIDDEN}/check.py "
                        "(see the format in galapagos.tasks.agent.problems).")
    files = {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*"))
             if p.is_file() and HIDDEN not in p.relative_to(folder).parts
             and "__pycache__" not in p.parts}
    split_file = folder / HIDDEN / "split"
    split = split_file.read_text().strip() if split_file.is_file() else hash_split(folder.name)
    if split not in SPLITS:
        raise TaskError(f"{split_file} says '{split}'; write one of {', '.join(SPLITS)}.")
    return Problem(f"repo/{folder.name}", split, issue.read_text(), files, check.read_text())


def load_functions(path: Path) -> list[Problem]:
    problems = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        issue = (f"Implement `{row['entry_point']}` in solution.py as its docstring says; "
                 "keep its name and signature.\n")
        problems.append(Problem(f"fn/{row['task_id']}", row.get("split") or hash_split(
            row["task_id"]), issue, {"ISSUE.md": issue, "solution.py": row["prompt"]},
            task_id=row["task_id"]))
    return problems


def digest(problems: list[Problem]) -> str:
    blob = json.dumps([[p.id, p.split, p.workspace, p.check, p.task_id] for p in problems],
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]
