"""The dependency direction of DESIGN.md, read from the source: archive and sandbox import
nothing of ours but galapagos.errors; a task imports the protocol, the grading library,
agents and sandbox, never another task's package, the archive or the orchestrator."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKS = sorted(p.name for p in (ROOT / "tasks").iterdir()
               if (p / "__init__.py").is_file() and p.name != "grading")


def ours(path: Path) -> set[str]:
    """The galapagos modules a file imports (absolute imports; ours use no relative ones)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("galapagos.")}


def sources(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "problem-repos" not in p.parts]


@pytest.mark.parametrize("layer", ["archive", "sandbox"])
def test_the_bottom_layers_import_only_the_errors(layer):
    bad = {str(p.relative_to(ROOT)): sorted(m for m in ours(p) if not m.startswith(
        (f"galapagos.{layer}", "galapagos.errors"))) for p in sources(layer)}
    assert not {p: m for p, m in bad.items() if m}


@pytest.mark.parametrize("task", TASKS)
def test_a_task_imports_no_other_task_nor_the_archive(task):
    allowed = (f"galapagos.tasks.{task}", "galapagos.tasks.grading", "galapagos.tasks.protocol",
               "galapagos.agents", "galapagos.sandbox", "galapagos.errors")
    bad = {str(p.relative_to(ROOT)): sorted(m for m in ours(p) if not m.startswith(allowed))
           for p in sources(f"tasks/{task}")}
    assert not {p: m for p, m in bad.items() if m}


def test_the_grading_library_imports_no_task():
    allowed = ("galapagos.tasks.grading", "galapagos.tasks.protocol", "galapagos.sandbox",
               "galapagos.errors")
    bad = {str(p.relative_to(ROOT)): sorted(m for m in ours(p) if not m.startswith(allowed))
           for p in sources("tasks/grading")}
    assert not {p: m for p, m in bad.items() if m}
