from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before any litellm import: no
# test sends traffic off this machine (litellm would fetch its price list at import)
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from galapagos.archive import Archive
from galapagos.orchestrator.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
TOY = str(ROOT / "tests" / "fixtures" / "toy_task.py") + ":create"


def toy_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    base: dict[str, Any] = {
        "run": {"archive": str(tmp_path / "archive.db"), "name": "t"},
        "task": {"name": TOY, "options": {}},
        "llm": {"model": "fake/deterministic", "backoff_s": 0.0},
        "budget": {"max_iterations": 12},
        "loop": {"infra_backoff_s": 0.0},
    }
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return load_config(None, base=base)


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "a.db")


def docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Docker tests skip loudly where there is no engine; in CI (which has one) a missing
    engine fails the whole run instead."""
    needs = [item for item in items if "docker" in item.keywords]
    if not needs or docker_available():
        return
    if os.environ.get("CI") == "true" or os.environ.get("GALAPAGOS_REQUIRE_DOCKER") == "1":
        raise pytest.UsageError(
            f"{len(needs)} Docker tests must run here (CI or GALAPAGOS_REQUIRE_DOCKER=1) but no "
            "Docker engine answers. scripts/test.sh installs and starts one.")
    reason = ("DOCKER ENGINE NOT RUNNING: this sandbox test did NOT run. "
              "Run scripts/test.sh (it installs and starts Docker) to run it.")
    for item in needs:
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "DOCKER ENGINE NOT RUNNING" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep("!", f"{len(skipped)} DOCKER TESTS WERE SKIPPED: no Docker "
                                   "engine; the sandbox is untested in this run", red=True)


def sandboxed_task(create: Any, wall_s: float = 5.0) -> Any:
    """A built-in task on a real Docker sandbox, for a module fixture (``yield from``)."""
    from galapagos.sandbox import Limits
    from galapagos.sandbox.docker_backend import DockerSandbox
    from galapagos.tasks.protocol import TaskContext

    sb = DockerSandbox(gpus=[], pool_size=2)
    yield create(TaskContext(options={}, llm=None, sandbox=lambda: sb,
                             limits=Limits(wall_s=wall_s), run_id="t"))
    sb.close()
