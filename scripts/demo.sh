#!/usr/bin/env bash
# Set up the project (first time: builds llama-cpp-python, about 10-15 minutes on 2 cores),
# then run the demo comparison on the two embedded local models.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/verticalbench run configs/demo.yaml "$@"
