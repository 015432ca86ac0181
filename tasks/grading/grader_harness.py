"""The grader side of a two-party grading run: it alone can read the hidden test (it runs
as the grader uid; the test file is readable by that uid only). The candidate's function
lives in another process (grader_worker.py, as the sandbox uid; with ``--calls``, any
function of the workspace, named as ``package.module.function``); every call crosses a FIFO
as Python literals, so the candidate can neither read the test nor touch this process, and
the verdict printed here cannot be forged. The verdict names the failure's kind only."""

import ast
import errno
import json
import os
import sys
import time


class SolutionError(Exception):
    pass


def fifos(ipc):
    os.makedirs(ipc, exist_ok=True)
    os.chmod(ipc, 0o755)
    req, resp = os.path.join(ipc, "req"), os.path.join(ipc, "resp")
    for path, mode in ((req, 0o644), (resp, 0o622)):  # worker: reads req, writes resp
        os.mkfifo(path)
        os.chmod(path, mode)
    return req, resp


def open_writer(path, seconds=10.0):
    """Open the request FIFO once the worker listens (it never does if it cannot start)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.set_blocking(fd, True)
            return os.fdopen(fd, "w", buffering=1)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                return None
            time.sleep(0.01)


def verdict(text):
    print(f"VERDICT {text}"[:400], flush=True)
    sys.exit(0)


def main():
    test_file = sys.argv[1]
    with open(test_file) as f:
        test_src = f.read()
    req, resp = fifos(os.environ["GALAPAGOS_IPC"])
    w = open_writer(req)
    if w is None:
        verdict("ERROR the solution process never started")
    r = open(resp)
    hello = json.loads(r.readline() or '{"load_error": "the solution exited at start"}')
    if "load_error" in hello:
        verdict(f"ERROR solution failed to load: {hello['load_error']}")

    def candidate(*args, **kwargs):
        if kwargs:
            raise TypeError("the grader passes positional arguments only")
        return ask({"args": repr(args)})

    def call(name, *args):  # repository tasks: a workspace function by dotted name
        return ask({"fn": name, "args": repr(args)})

    def ask(msg):
        w.write(json.dumps(msg) + "\n")
        line = r.readline()
        if not line:
            raise SolutionError("the solution process died")
        msg = json.loads(line)
        if "error" in msg:
            raise SolutionError(str(msg["error"])[:100])
        return ast.literal_eval(msg["result"])  # plain data only: no objects of its making

    scope = {}
    exec(compile(test_src, "hidden_test.py", "exec"), scope)
    calls = sys.argv[2:3] == ["--calls"]
    if len(sys.argv) > 2 and not calls:  # tests calling the function by name mean this one
        scope[sys.argv[2]] = candidate
    try:
        scope["check"](call if calls else candidate)
    except AssertionError:
        verdict("FAIL a hidden test assertion failed")
    except SolutionError as exc:
        verdict(f"ERROR {exc} raised in the solution")
    except Exception as exc:  # noqa: BLE001 - e.g. an answer that is not a literal
        verdict(f"ERROR {type(exc).__name__} raised while testing")
    try:
        w.write(json.dumps({"quit": True}) + "\n")
    except OSError:
        pass
    verdict("PASS")


if __name__ == "__main__":
    main()
