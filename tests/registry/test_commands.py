"""Tests of `verticalbench runs`, `history` and `index` on stored runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from harness.registry import index_path
from tests.compare.scenario import BASE_ID, NEW_ID, write_base, write_new


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    write_base(tmp_path / "results")
    write_new(tmp_path / "results")
    return tmp_path


def invoke(*arguments: str) -> Result:
    return CliRunner(mix_stderr=False).invoke(main, list(arguments))


def test_runs_lists_runs_without_an_index(output_dir: Path) -> None:
    result = invoke("runs", "--output-dir", str(output_dir))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["run", "id", "name", "status", "started", "(UTC)", "models", "(provider-reported)",
                                "suites", "samples"]
    assert lines[2].startswith(BASE_ID)
    assert "front (not reported); spec (spec-2025-01)" in lines[2]
    assert lines[3].startswith(NEW_ID)
    assert "2026-02-01 00:00" in lines[3]
    assert index_path(output_dir / "results").is_file()


def test_runs_filters(output_dir: Path) -> None:
    only_front = invoke("runs", "--output-dir", str(output_dir), "--model", "front").stdout
    assert BASE_ID in only_front
    assert NEW_ID not in only_front
    last = invoke("runs", "--output-dir", str(output_dir), "--last", "1").stdout
    assert NEW_ID in last
    assert BASE_ID not in last


def test_runs_without_results_directory(tmp_path: Path) -> None:
    result = invoke("runs", "--output-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "not found" in result.stderr


def test_history_shows_intervals_per_vertical(output_dir: Path) -> None:
    result = invoke("history", "spec", "--output-dir", str(output_dir))
    assert result.exit_code == 0, result.stderr
    legal = result.stdout.split("\nlegal\n", 1)[1].split("\n\n", 1)[0].splitlines()
    # Base 18/20: Wilson [69.9, 97.2]; new 10/20: [29.9, 70.1] (statsmodels 0.15.0 proportion_confint).
    assert legal[2].startswith(BASE_ID)
    assert "spec-2025-01" in legal[2]
    assert "90.0% [69.9, 97.2]" in legal[2]
    assert "$0.001" in legal[2]
    assert "50.0% [29.9, 70.1]" in legal[3]
    assert "\nscience\n" in result.stdout


def test_history_by_suite(output_dir: Path) -> None:
    result = invoke("history", "spec", "--output-dir", str(output_dir), "--suite", "science/mmlu")
    assert result.exit_code == 0
    assert "\nscience/mmlu\n" in result.stdout
    assert "legal" not in result.stdout
    result = invoke("history", "spec", "--output-dir", str(output_dir), "--by-suite", "--vertical", "legal")
    assert "\nlegal/hearsay\n" in result.stdout
    assert "science" not in result.stdout


def test_history_of_unknown_model(output_dir: Path) -> None:
    result = invoke("history", "nobody", "--output-dir", str(output_dir))
    assert result.exit_code == 2
    assert "indexed model ids: front, spec" in result.stderr


def test_index_rebuild_after_deletion(output_dir: Path) -> None:
    assert invoke("index", "--output-dir", str(output_dir)).exit_code == 0
    index_path(output_dir / "results").unlink()
    result = invoke("index", "--rebuild", "--output-dir", str(output_dir))
    assert result.exit_code == 0
    assert "2 run(s) indexed" in result.stdout
    assert index_path(output_dir / "results").is_file()


def test_index_reports_unreadable_runs(output_dir: Path) -> None:
    (output_dir / "results" / NEW_ID / "samples.jsonl").write_text("{broken}\n", encoding="utf-8")
    result = invoke("index", "--rebuild", "--output-dir", str(output_dir))
    assert result.exit_code == 0
    assert "1 run(s) indexed" in result.stdout
    assert f"warning: run folder {NEW_ID} was not indexed" in result.stderr
