"""Tests of `verticalbench compare` on two stored runs: its outputs and its exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from tests.compare.scenario import BASE_ID, NEW_ID, write_base, write_new


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    write_base(tmp_path / "results")
    write_new(tmp_path / "results")
    return tmp_path


def run_compare(output_dir: Path, *options: str) -> Result:
    runner = CliRunner(mix_stderr=False)
    return runner.invoke(main, ["compare", BASE_ID, NEW_ID, "--output-dir", str(output_dir), *options])


def test_regression_fails_the_gate(output_dir: Path) -> None:
    result = run_compare(output_dir, "--fail-on-regression", "--threshold", "5")
    assert result.exit_code == 1
    assert "failing: 1 regression" in result.stderr
    assert "spec on legal -40.0 pp (Holm p 0.043, 9 right to wrong)" in result.stderr


def test_without_flag_exit_code_is_zero(output_dir: Path) -> None:
    result = run_compare(output_dir, "--threshold", "5")
    assert result.exit_code == 0
    assert "**1 regression" in result.stdout


@pytest.mark.parametrize("options", [("--threshold", "50"), ("--alpha", "0.01")])
def test_gate_passes_below_threshold_or_alpha(output_dir: Path, options: tuple[str, str]) -> None:
    result = run_compare(output_dir, "--fail-on-regression", *options)
    assert result.exit_code == 0
    assert "**No regression" in result.stdout


def test_markdown_tables(output_dir: Path) -> None:
    text = run_compare(output_dir, "--threshold", "5").stdout
    assert text.startswith(f"## verticalbench compare: {BASE_ID} → {NEW_ID}")
    legal = next(line for line in text.splitlines() if line.startswith("| spec | legal |"))
    cells = [cell.strip() for cell in legal.split(" | ")]
    assert cells[2:6] == ["20", "0", "90.0%", "50.0%"]
    assert cells[6].startswith("-40.0 pp [")
    assert cells[6].endswith("] *")
    assert cells[7:11] == ["0.021", "0.043", "9", "1"]
    assert cells[11] == "$0.001 → $0.0005 (-50.0%)"
    assert cells[12] == "1.00 → 2.00"
    assert cells[13].rstrip(" |") == "regression"
    assert "| spec | science | 3 | 1 | 66.7% | 100.0% |" in text
    assert "spec-2025-01" in text
    assert "spec-2025-06" in text


def test_markdown_flips_escape_replies(output_dir: Path) -> None:
    text = run_compare(output_dir).stdout
    assert "<summary>spec: 9 right → wrong</summary>" in text
    assert "<summary>spec: 2 wrong → right</summary>" in text
    assert "It is &lt;b&gt;not&lt;/b&gt; hearsay \\| no" in text
    assert "<b>not</b>" not in text


def test_max_flips_limits_the_list(output_dir: Path) -> None:
    text = run_compare(output_dir, "--max-flips", "2").stdout
    assert "7 more not listed" in text
    assert "| legal/hearsay | L12 |" not in text


def test_files_are_written(output_dir: Path) -> None:
    result = run_compare(output_dir)
    folder = output_dir / "reports" / "compare" / f"{BASE_ID}_vs_{NEW_ID}"
    markdown = (folder / "compare.md").read_text(encoding="utf-8")
    html = (folder / "compare.html").read_text(encoding="utf-8")
    assert markdown.strip() == result.stdout.strip()
    assert "It is &lt;b&gt;not&lt;/b&gt; hearsay | no" in html
    assert "<b>not</b>" not in html
    assert "<script" not in html.lower()
    assert "default-src 'none'" in html
    assert str(folder / "compare.html") in result.stderr


def test_out_option(output_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "pr-comment"
    assert run_compare(output_dir, "--out", str(target)).exit_code == 0
    assert (target / "compare.md").is_file()


def test_unknown_run_exits_two(output_dir: Path) -> None:
    result = CliRunner(mix_stderr=False).invoke(main, ["compare", BASE_ID, "missing-run", "--output-dir", str(output_dir)])
    assert result.exit_code == 2
    assert "run 'missing-run' not found" in result.stderr


def test_bad_pair_value(output_dir: Path) -> None:
    result = run_compare(output_dir, "--pair", "spec")
    assert result.exit_code == 2
    assert "is not BASE_ID=NEW_ID" in result.stderr


def test_pair_option(output_dir: Path) -> None:
    result = run_compare(output_dir, "--pair", "front=spec")
    assert result.exit_code == 0
    assert "| front → spec | legal | 20 |" in result.stdout
