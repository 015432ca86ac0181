#!/usr/bin/env bash
# One command for a fresh machine: set up everything (Docker engine and images included),
# then run the whole test suite. pytest's exit 5 (no tests collected) counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --docker || exit 1
export GALAPAGOS_REQUIRE_DOCKER=1
.venv/bin/python -m ruff check archive agents sandbox orchestrator tasks galapagos ui tests bench || exit 1
.venv/bin/python -m pytest -ra "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$rc"
