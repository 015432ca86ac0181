"""The seed agent's tools: read the workspace, apply edit blocks, run the visible tests,
show a diff. Standard library only (the agent runs in a sandbox with nothing else)."""

import difflib
import os
import re
import subprocess
import sys

BLOCK = re.compile(r"^([\w./-]+\.\w+)[ \t]*\n<<<<<<< SEARCH\n(.*?)\n?=======\n(.*?)\n?"
                   r">>>>>>> REPLACE", re.S | re.M)
SKIP = ("__pycache__", ".git")
MAX_FILE = 20000


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def snapshot(root):
    """Every text file of the workspace, ``{relative path: text}``."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        for name in sorted(names):
            path = os.path.join(folder, name)
            if name.endswith((".py", ".md", ".txt", ".toml", ".json", ".cfg")):
                files[os.path.relpath(path, root)] = read(path)[:MAX_FILE]
    return files


def apply_answer(answer, root):
    """Apply every SEARCH/REPLACE block; return (files changed, problems met)."""
    changed, problems = [], []
    for path, search, replace in BLOCK.findall(answer):
        target = os.path.abspath(os.path.join(root, path))
        if not target.startswith(os.path.abspath(root) + os.sep) or not os.path.isfile(target):
            problems.append(f"{path}: no such file in the repository")
            continue
        text = read(target)
        if search not in text:
            problems.append(f"{path}: the SEARCH lines are not in the file")
            continue
        with open(target, "w", encoding="utf-8") as f:
            f.write(text.replace(search, replace, 1))
        changed.append(path)
    if not changed and not problems:
        problems.append("the answer had no edit block")
    return sorted(set(changed)), problems


def run_tests(root, timeout):
    """Run the visible tests (unittest); return (passed, output)."""
    if not os.path.isdir(os.path.join(root, "tests")):
        return True, "no visible tests"
    try:
        proc = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", "tests"],
                              cwd=root, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"the tests ran over {timeout} s"
    return proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def diff(before, after):
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path, ""), after.get(path, "")
        if a != b:
            out += difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                        f"a/{path}", f"b/{path}")
    return "".join(out)
