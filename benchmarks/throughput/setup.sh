#!/usr/bin/env bash
# Create benchmarks/throughput/.venv with the two peers of the throughput benchmark,
# lm-evaluation-harness and Inspect, kept out of the project's own .venv. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ ! -x "$here/.venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$here/.venv"
fi
# The versions measured in docs/benchmarks.md; lm-eval's api extra brings its HTTP client.
"$here/.venv/bin/python" -m pip install --quiet "lm-eval[api]==0.4.13" "inspect-ai==0.3.285" openai
