"""The real `galapagos ui` in a real terminal (tmux): keys typed, the screen read back."""

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from galapagos.orchestrator.runner import start_run
from tests.conftest import toy_config

REQUIRED = os.environ.get("CI") == "true" or os.environ.get("GALAPAGOS_REQUIRE_DOCKER") == "1"
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None and not REQUIRED,
                                reason="tmux missing: scripts/setup.sh installs it")


def screen(session):
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True).stdout


def wait_for(session, text, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in (shown := screen(session)):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen(session)}")


def test_the_real_program_in_tmux(tmp_path):
    out = start_run(toy_config(tmp_path, budget={"max_iterations": 5}))
    session = f"galapagos-ui-{uuid.uuid4().hex[:6]}"
    cmd = f"{sys.executable} -m galapagos.orchestrator ui -a {out.archive}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", cmd],
                   check=True)
    try:
        wait_for(session, out.run_id)
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        shown = wait_for(session, "best val")
        assert "iterations 5" in shown and out.run_id in shown
        subprocess.run(["tmux", "send-keys", "-t", session, "b"], check=True)
        wait_for(session, "candidate")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.time() + 10
        while time.time() < deadline and subprocess.run(
                ["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["tmux", "has-session", "-t", session],
                              capture_output=True).returncode != 0  # q quit the program
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
