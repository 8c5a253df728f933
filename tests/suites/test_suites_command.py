"""`verticalbench suites` separates a missing data file from one that cannot be loaded, and prints the error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.reliability.support import SUITE, write_suite

REPO = Path(__file__).resolve().parents[2]


def test_suites_names_missing_and_unreadable(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "tasks", 3)
    legal = root / "legal"
    (legal / "broken.yaml").write_text(SUITE.replace("name: yes-no", "name: broken").replace("yes-no.jsonl", "broken.jsonl"))
    (legal / "data" / "broken.jsonl").write_text('{"id": "a", "text": "t", "label": "Yes"}\n{"id": \n')
    (legal / "gone.yaml").write_text(SUITE.replace("name: yes-no", "name: gone").replace("yes-no.jsonl", "gone.jsonl"))
    environment = {"VERTICALBENCH_TASKS_DIR": str(root), "PATH": "/usr/bin:/bin"}

    listing = subprocess.run([sys.executable, "-m", "harness.cli", "suites"], cwd=REPO, env=environment,
                           capture_output=True, text=True, timeout=120)

    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines() if line.startswith("legal/")}
    assert rows["legal/yes-no"][3] == "3"
    assert rows["legal/broken"][3] == "unreadable"
    assert rows["legal/gone"][3] == "missing"
    assert "broken.jsonl line 2 is not valid JSON" in listing.stdout
    assert "no file matches 'data/gone.jsonl'" in listing.stdout
