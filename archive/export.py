"""Writing a candidate out as files (``galapagos export``, the UI's ``w``).

A candidate's names are its author's: they may hold NUL, be empty, ``.``, too long for the
file system, climb out of the folder, or clash (``a`` a file and ``a/b`` a file too). Every
name is checked before anything is written; the good ones are written into a temporary
folder beside the target and moved into place only when all of them were written, so a
failure half-way leaves the target as it was. What was skipped is said, with why."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from galapagos.errors import ConfigError

NAME_MAX = 255     # bytes in one path component (ext4, xfs, btrfs, tmpfs)
PATH_MAX = 4000    # bytes in a whole relative path, below Linux's 4096


@dataclass
class ExportReport:
    """Where each file went, and each name that was not written with the reason."""

    folder: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file's path inside the export folder, or None."""
    if not name or not name.strip("/"):
        return "the name is empty"
    if "\x00" in name:
        return "the name holds a NUL byte"
    try:
        raw = name.encode("utf-8")
    except UnicodeEncodeError:
        return "the name is not valid text"
    if len(raw) > PATH_MAX:
        return f"the path is {len(raw)} bytes long (at most {PATH_MAX})"
    if name.startswith("/"):
        return "the path is absolute"
    parts = PurePosixPath(name).parts
    if any(p == ".." for p in parts):
        return "the path climbs out of the folder (..)"
    if name.endswith("/") or not parts:
        return "the name is a folder, not a file"
    if long := [p for p in parts if len(p.encode()) > NAME_MAX]:
        return f"a part of the path is {len(long[0].encode())} bytes long (at most {NAME_MAX})"
    return None


def plan(view: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The files to write, by their normal relative path, and the names skipped with why
    (a bad name; two names for one path; a file where another file needs a folder)."""
    keep: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    for name, text in view.items():
        why = name_problem(name)
        rel = str(PurePosixPath(*PurePosixPath(name).parts)) if why is None else name
        if why is None and rel in keep:
            why = f"another name already stands for {rel}"
        if why:
            skipped.append((name, why))
        else:
            keep[rel] = text
    folders = {str(p) for rel in keep for p in PurePosixPath(rel).parents}
    for rel in [r for r in keep if r in folders]:
        skipped.append((rel, "another file needs this path as a folder"))
        del keep[rel]
    return keep, skipped


def write_candidate(view: dict[str, str], folder: Path, *, force: bool = False
                    ) -> ExportReport:
    """Write ``view`` (``{path: text}``) under ``folder``, which must be new or empty, and
    not a link, unless ``force``: then existing files of the same name are replaced and
    nothing else in the folder is touched. The report names the folder as resolved."""
    folder = _checked_target(folder.expanduser().absolute(), force)
    keep, skipped = plan(view)
    report = ExportReport(folder, skipped=skipped)
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name[:40]}-", dir=folder.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would become the folder's mode
    try:
        for rel, text in keep.items():
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", errors="replace")
        report.written = _move_into(stage, folder, list(keep), report.skipped)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report


def _checked_target(folder: Path, force: bool) -> Path:
    """The real folder files will go to, refusing a link or a folder with files in it
    unless ``force``: `export -o LINK` must not write into wherever LINK points unasked."""
    real = folder.resolve()
    if force:
        return real
    if folder.is_symlink():
        raise ConfigError(f"{folder} is a link to {real}; files would be written there. Give "
                          "the folder itself, or pass --force to write through the link.")
    if real.exists() and (not real.is_dir() or any(real.iterdir())):
        raise ConfigError(f"{real} is not an empty folder; export writes into a new or "
                          "empty one. Pass --force to write into it anyway (files of the "
                          "same name are replaced, nothing else is touched).")
    return real


def _move_into(stage: Path, folder: Path, rels: list[str],
               skipped: list[tuple[str, str]]) -> list[Path]:
    if not folder.exists():
        os.replace(stage, folder)
        return [folder / rel for rel in rels]
    moved = []
    for rel in rels:
        target = folder / rel
        clash = next((p for p in [target, *target.parents] if p != folder
                      and p.is_relative_to(folder) and (p.is_symlink() or (
                          p.exists() and p.is_dir() != (p != target)))), None)
        if clash is not None:
            skipped.append((rel, f"{clash} is in the way in the target folder"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, target)
        moved.append(target)
    return moved
