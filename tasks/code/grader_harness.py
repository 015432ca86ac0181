"""Runs inside the sandbox in the grader step only: imports the solution from the work
dir, runs the hidden test's ``check`` on the entry point, and prints one verdict line.
The verdict names the failure's type, never the test's text."""

import importlib.util
import sys
import traceback

test_file, entry_point, token = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    spec = importlib.util.spec_from_file_location("solution", "/work/solution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, entry_point)
except BaseException as exc:  # noqa: BLE001 - any failure of the solution is its verdict
    print(f"VERDICT {token} ERROR solution failed to load: {type(exc).__name__}: {exc}"[:400])
    sys.exit(0)
scope = {}
with open(test_file) as f:
    exec(compile(f.read(), "hidden_test.py", "exec"), scope)
try:
    scope["check"](fn)
except AssertionError:
    print(f"VERDICT {token} FAIL a hidden test assertion failed")
except BaseException as exc:  # noqa: BLE001
    inside = any(fr.filename.endswith("solution.py") for fr in traceback.extract_tb(
        exc.__traceback__))
    where = "in the solution" if inside else "while testing"
    print(f"VERDICT {token} ERROR {type(exc).__name__} raised {where}")
else:
    print(f"VERDICT {token} PASS")
