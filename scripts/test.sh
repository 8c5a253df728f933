#!/usr/bin/env bash
# Set up the project, then run the whole test suite, slow real-model tests included.
# Tests read public datasets from ../shared/data unless VERTICALBENCH_DATA_DIR says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
