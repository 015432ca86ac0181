"""Data is displayed as data (issue 19.3): the display-hostile corpus (tests/fixtures/
hostile.py) pushed through every CLI view in a pseudo-terminal, and through the real UI in
tmux. Nothing raw reaches the terminal (no title change, no clipboard write, no link, no
clear screen, no bidi override), markup in data is shown as typed, nothing crashes."""

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
import uuid

import pytest

from tests.conftest import ROOT, TOY, toy_config
from tests.fixtures.hostile import RAW, hostile_run

OURS = re.compile(rb"\x1b\[[0-9;?]*[A-HJKSTfhlmsu]")  # Rich's own styling and cursor moves


def in_pty(*args, cwd=None, timeout=120.0):
    """Run the CLI on a 160x50 pseudo-terminal; what it wrote, as bytes."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50"}
    proc = subprocess.Popen([sys.executable, "-m", "galapagos.orchestrator", *args],
                            stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(10)
    os.close(master)
    return proc.returncode, out


def assert_shown_as_data(out: bytes):
    rest = OURS.sub(b"", out)
    for raw in RAW:
        assert raw not in rest, (raw, out[:3000])
    assert b"\x1b" not in rest, rest[max(rest.find(b"\x1b") - 200, 0):][:400]
    text = rest.decode("utf-8", "replace")
    assert "Traceback" not in text and "MarkupError" not in text, text[-2000:]
    assert "Unexpected error" not in text, text[-2000:]
    return text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_run(tmp_path_factory.mktemp("hostile"), toy_config)


@pytest.mark.parametrize("view", ["runs", "show", "diff", "export"])
def test_every_cli_view_shows_hostile_data_as_data(hostile, view, tmp_path):
    db, run_id, cid = hostile
    args = {"runs": ["runs"], "show": ["show", run_id],
            "diff": ["show", run_id, "--diff", cid],
            "export": ["export", run_id, "-o", str(tmp_path / "out")]}[view]
    rc, out = in_pty(*args, "-a", str(db))
    text = assert_shown_as_data(out)
    assert rc == 0, text[-2000:]
    if view in ("show", "diff"):
        assert "␛]52;c;" in text and "[bold]BOLD[/bold]" in text  # visible, and as typed


def test_a_live_run_and_its_summary_show_hostile_data_as_data(tmp_path):
    """The live display and the final summary: a hostile run name and seed."""
    cfg = tmp_path / "c.toml"
    name = "r \\u001b]0;PWNED-TITLE\\u0007 [bold]x[/]"
    seed = '{"answer": "alpha \\u001b]52;c;UFdORUQ=\\u0007 [/] [b]answer[/]"}'
    cfg.write_text(f'[run]\nname = "{name}"\narchive = "a.db"\n[task]\nname = "{TOY}"\n'
                   f"[task.options]\nseed = '{seed}'\n[llm]\nmodel = \"fake/deterministic\"\n"
                   "[budget]\nmax_iterations = 3\n")
    rc, out = in_pty("run", "-c", str(cfg), cwd=tmp_path)
    text = assert_shown_as_data(out)
    assert rc == 0 and "finished" in text, text[-2000:]
    assert "␛]52;c;" in text and "[b]answer[/]" in text


def tmux(*args):
    return subprocess.run(["tmux", *args], capture_output=True, text=True)


def wait_for(session, text, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = tmux("capture-pane", "-p", "-t", session).stdout
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


@pytest.mark.skipif(shutil.which("tmux") is None and os.environ.get("CI") != "true",
                    reason="tmux missing: scripts/setup.sh installs it")
def test_every_ui_screen_shows_hostile_data_as_data(hostile):
    """The real UI in tmux: the pane's title stays, no paste buffer fills (OSC 52), every
    screen opens and the program is still running at the end."""
    db, run_id, cid = hostile
    session = f"galapagos-hostile-{uuid.uuid4().hex[:6]}"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45",
         f"cd {ROOT} && {sys.executable} -m galapagos.orchestrator ui -a {db}")
    title = tmux("display-message", "-p", "-t", session, "#{pane_title}").stdout
    buffers = tmux("list-buffers").stdout
    try:
        seen = [wait_for(session, run_id[:20])]
        for key, expect in (("Enter", "best val"), ("b", "part"), ("d", "diff against"),
                            ("v", "val mean"), ("Escape", "best val"), ("l", "calls"),
                            ("Down", "reply"), ("Escape", "best val"), ("g", "candidates"),
                            ("Escape", "best val"), ("f", "val instances")):
            tmux("send-keys", "-t", session, key)
            seen.append(wait_for(session, expect))
            time.sleep(0.3)  # Escape alone, not the start of an Alt chord
        assert tmux("has-session", "-t", session).returncode == 0, seen[-1]
        shown = "\n".join(seen)
        assert "Traceback" not in shown and "Error" not in shown, shown[-3000:]
        assert "␛]52;c;" in shown and "[bold]BOLD[/bold]" in shown
        assert tmux("display-message", "-p", "-t", session, "#{pane_title}").stdout == title
        assert tmux("list-buffers").stdout == buffers
    finally:
        tmux("kill-session", "-t", session)
