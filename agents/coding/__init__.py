"""The seed coding agent, shipped as files: ``agent.py`` (the entry point), ``prompts.py``
and ``tools.py``. It runs inside a sandbox with the standard library and the gateway
client only; this package merely hands its files to a task as the starting candidate."""

from __future__ import annotations

from pathlib import Path

SEED = Path(__file__).parent
ENTRY = "agent.py"


def seed_files(folder: Path = SEED) -> dict[str, str]:
    """The agent in ``folder`` as ``{path: text}`` (its Python files, this one excepted)."""
    files = {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*.py"))
             if p.name != "__init__.py" or p.parent != SEED}
    files = {p: t for p, t in files.items() if "__pycache__" not in p}
    if ENTRY not in files:
        raise FileNotFoundError(f"{folder} holds no {ENTRY}: an agent needs one as its entry "
                                "point (python3 agent.py GATEWAY WORKSPACE LOG).")
    return files
