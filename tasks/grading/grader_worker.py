"""The candidate's side of a two-party grading run (sandbox uid, work dir): imports the
solution (or, with ``--calls``, the workspace's functions the grader names) and answers the
grader's calls over FIFOs. It never sees the test."""

import ast
import importlib.util
import json
import os
import sys
import time


def main():
    ipc = os.environ["GALAPAGOS_IPC"]
    req, resp = os.path.join(ipc, "req"), os.path.join(ipc, "resp")
    deadline = time.monotonic() + 10
    while not (os.path.exists(req) and os.path.exists(resp)):
        if time.monotonic() > deadline:
            sys.exit("the grader never started")
        time.sleep(0.01)
    r = open(req)
    w = open(resp, "w", buffering=1)
    calls = sys.argv[1] == "--calls"  # a repository: functions named by the grader
    try:
        fn = None if calls else load()
    except BaseException as exc:  # noqa: BLE001 - reported to the grader
        w.write(json.dumps({"load_error": f"{type(exc).__name__}: {exc}"[:300]}) + "\n")
        return
    w.write('{"ready": true}\n')
    for line in r:
        msg = json.loads(line)
        if msg.get("quit"):
            return
        try:
            target = resolve(msg["fn"]) if calls else fn
            w.write(json.dumps({"result": repr(target(*ast.literal_eval(msg["args"])))}) + "\n")
        except BaseException as exc:  # noqa: BLE001 - the grader decides what it means
            w.write(json.dumps({"error": type(exc).__name__}) + "\n")


def load():
    spec = importlib.util.spec_from_file_location(
        "solution", os.path.join(os.getcwd(), "solution.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, sys.argv[1])


def resolve(name):
    """``package.module.function`` of the workspace (the work dir)."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


if __name__ == "__main__":
    main()
