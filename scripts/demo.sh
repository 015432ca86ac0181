#!/usr/bin/env bash
# One command for a fresh machine: set up, then run the demo evolution on the local model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/galapagos run --config config.toml "$@"
