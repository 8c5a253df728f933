#!/usr/bin/env bash
# Time the demo run (set-up excluded) and record the machine and its load.
# Usage: bash benchmarks/demo/bench.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats="${1:-1}"
out="$(mktemp -d)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for run in $(seq 1 "$repeats"); do
    echo "load before run $run: $(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s%N)
    .venv/bin/verticalbench run configs/demo.yaml --output-dir "$out/$run" > "$out/$run.log" 2>&1
    end=$(date +%s%N)
    echo "run $run: $(( (end - start) / 1000000 )) ms wall, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "outputs in $out"
