"""Every code block of the README works as written (issue 20.3): each Python block runs
(the task block as a real run, from another folder, with the command the README gives
for it), and every `galapagos` command line names commands and options that exist."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from galapagos.orchestrator.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
TASK = next(code for code in PYTHON if "def create(ctx" in code)
COMMANDS = [line.split("#")[0].strip() for lang, code in BLOCKS if lang == "bash"
            for line in code.replace("\\\n", " ").splitlines()
            if line.strip().startswith("galapagos ")]


def test_the_readme_has_the_blocks_this_test_reads():
    assert len(PYTHON) >= 3 and len(COMMANDS) >= 15


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One folder for the Python blocks, in README order (a later block may read the
    archive an earlier one wrote, as a reader following along would)."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("code", [c for c in PYTHON if c is not TASK],
                         ids=lambda c: c.split("\n")[0][:40])
def test_a_python_block_runs_as_written(code, folder, monkeypatch):
    monkeypatch.chdir(folder)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    if "sb" in namespace:  # the sandbox block: a real container ran the code
        r = eval("r", namespace)  # noqa: S307
        assert r.exit_code == 0 and "hello from the sandbox" in r.stdout
        namespace["sb"].close()


@pytest.mark.local_llm
def test_the_task_block_runs_with_the_command_the_readme_gives(tmp_path):
    name = re.search(r"^# (\w+\.py)$", TASK, flags=re.M).group(1)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / name).write_text(TASK)
    line = next(c for c in COMMANDS if f"--task {name[:-3]}" in c)
    args = shlex.split(line)[1:]
    args[args.index("--task") + 1] = f"tasks/{args[args.index('--task') + 1]}"
    ran = subprocess.run([sys.executable, "-m", "galapagos.orchestrator", *args],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "finished" in ran.stdout and (tmp_path / ".galapagos" / "archive.db").is_file()


@pytest.mark.parametrize("line", COMMANDS)
def test_a_command_line_names_what_exists(line):
    words = [w for w in shlex.split(line)[1:] if w != "--debug"]
    if not words or words[0] == "...":
        return
    path = [words[0]] + ([words[1]] if words[0] == "sandbox" and len(words) > 1 else [])
    shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert shown.exit_code == 0, f"`galapagos {' '.join(path)}` is not a command"
    for option in (w.split("=")[0] for w in words if w.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", shown.output), (
            f"`galapagos {' '.join(path)}` has no option {option}")
