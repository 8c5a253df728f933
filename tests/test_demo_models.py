"""The demo config end to end on the two embedded real models (slow: starts two llama.cpp servers)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_config_runs_on_real_local_models(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(REPO / "configs" / "demo.yaml"), "--limit", "1", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = re.search(r"run id:\s+(\S+)", completed.stdout).group(1)

    run_dir = tmp_path / "results" / run_id
    samples = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 12  # 6 starter suites x 1 item x 2 models
    assert {sample["model_id"] for sample in samples} == {"qwen2.5-coder-0.5b", "smollm2-135m"}
    assert {sample["vertical"] for sample in samples} == {"code", "legal", "finance", "medical", "creative", "science"}
    for sample in samples:
        assert sample["outcome"] != "error", sample["error"]
        assert sample["reply"], f"empty reply from {sample['model_id']} on {sample['suite']}"
        assert sample["usage"]["reported"] is True
        assert sample["cost_usd"] is not None and sample["cost_usd"] > 0

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    for price in manifest["prices"].values():
        assert price["source"] == "compute"
        assert price["input_per_million"] > 0 and price["output_per_million"] > 0

    report = (tmp_path / "reports" / run_id / "report.md").read_text()
    assert "Qwen2.5-Coder-0.5B-Instruct" in report
    assert "| code | qwen2.5-coder-0.5b | smollm2-135m |" in report
    assert (tmp_path / "reports" / run_id / "report.html").is_file()
    servers = subprocess.run(["pgrep", "-f", "llama_cpp.server .*--model_alias (qwen2.5-coder-0.5b|smollm2-135m) "], capture_output=True, text=True)
    assert servers.stdout.strip() == "", "a local model server outlived the run"
