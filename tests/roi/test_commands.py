"""`verticalbench roi` and `verticalbench readiness` on a stored run, and the report section they feed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from harness.cli import main
from harness.store.run_dir import RunDir
from tests.costs.stored_run import RUN_ID, write_run


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_roi_command_worked_example(tmp_path: Path) -> None:
    write_run(tmp_path / "results")
    out = invoke("roi", RUN_ID, "--volume", "legal=10000", "--value-per-correct", "0.5", "--cost-per-error", "1",
                 "--fixed-monthly", "1380", "--output-dir", str(tmp_path))
    assert "legal: pages against frontier" in out
    assert "+3.947 (+394.7%)" in out
    assert "5,000 queries a month" in out
    assert "code: coder against frontier" not in out
    assert "no ROI for code: no volume given" in out
    report = (tmp_path / "reports" / RUN_ID / "report.md").read_text()
    roi = report.split("### ROI")[1].split("###")[0]
    assert "(legal=10000)" in roi
    assert "| legal | pages | frontier | 10,000 |" in roi
    assert "+3.947 (+394.7%)" in (tmp_path / "reports" / RUN_ID / "report.html").read_text()


def test_roi_without_save_leaves_the_run_alone(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "results")
    before = hashlib.sha256((run_dir.path / "manifest.json").read_bytes()).hexdigest()
    invoke("roi", RUN_ID, "--volume", "1000", "--no-save", "--output-dir", str(tmp_path))
    assert hashlib.sha256((run_dir.path / "manifest.json").read_bytes()).hexdigest() == before


def test_roi_rejects_uncompared_vertical(tmp_path: Path) -> None:
    write_run(tmp_path / "results")
    result = CliRunner().invoke(main, ["roi", RUN_ID, "--volume", "finance=10", "--output-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "finance, which the run did not compare; compared verticals: code, legal" in result.output


def test_readiness_prints_conditions_and_feeds_the_report(tmp_path: Path) -> None:
    write_run(tmp_path / "results")
    log = tmp_path / "log.csv"
    log.write_text("vertical,count\nlegal,7000\ncode,1000\n")
    out = invoke("readiness", str(log), "--run", RUN_ID, "--days", "7", "--cost-per-error", "3",
                 "--budget-monthly", "5000", "--fixed-monthly", "1000", "--min-volume", "20000",
                 "--output-dir", str(tmp_path))
    # 8,000 queries in 7 days -> 34,786 a month; legal has 87.5%.
    assert "34,786 queries a month" in out
    assert "top 1 (legal) 87.5%" in out
    assert "5 of 5 conditions met: specialize: route legal (pages)" in out
    assert "min_monthly_volume = 20000" in out
    report = (tmp_path / "reports" / RUN_ID / "report.md").read_text()
    assert "### Specialization readiness" in report
    assert "**5 of 5 conditions met" in report
    stored = RunDir(tmp_path / "results" / RUN_ID).read_manifest().cost_analysis["readiness"]
    assert stored["thresholds"]["min_monthly_volume"] == 20000


def test_report_command_keeps_the_stored_sections(tmp_path: Path) -> None:
    write_run(tmp_path / "results")
    invoke("roi", RUN_ID, "--volume", "20k", "--output-dir", str(tmp_path))
    (tmp_path / "reports").rename(tmp_path / "old-reports")
    invoke("report", RUN_ID, "--output-dir", str(tmp_path))
    report = (tmp_path / "reports" / RUN_ID / "report.md").read_text()
    assert "| legal | pages | frontier | 20,000 |" in report
    assert "Total: $0.572 (excludes 10 unpriced samples)" in report
