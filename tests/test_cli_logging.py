"""`verticalbench -v run` logs the harness's steps but not LiteLLM's line per call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.reliability.support import config, write_suite
from tests.support.openai_server import ServerProcess

REPO = Path(__file__).resolve().parents[1]


def test_verbose_run_hides_litellm_call_lines(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "tasks", 4)
    environment = {key: value for key, value in os.environ.items() if key != "LITELLM_LOG"}
    environment["VERTICALBENCH_TASKS_DIR"] = str(root)

    with ServerProcess(tmp_path / "requests.jsonl", rates={}, seed=1) as server:
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config(server.api_base, concurrency=2)))
        finished = subprocess.run([sys.executable, "-m", "harness.cli", "-v", "run", str(tmp_path / "config.yaml"),
                                   "--output-dir", str(tmp_path / "out"), "--cache", "off"],
                                  cwd=REPO, env=environment, capture_output=True, text=True, timeout=300)

    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "INFO harness" in finished.stderr
    assert "LiteLLM completion()" not in finished.stderr
