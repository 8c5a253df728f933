"""`verticalbench reprice`: new costs from stored usage, the original run untouched, no model called."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.costs.price_file import PriceFileError, load_price_file
from harness.costs.reprice import reprice_run
from harness.store.run_dir import RunDir
from tests.costs.stored_run import RUN_ID, write_run

NEXT_QUARTER = """
source: "illustrative next-quarter rates for tests"
as_of: "2027-04-01"
prices:
  frontier: {input_per_million: 2.0, output_per_million: 4.0}
  openai/coder-1b: {input_per_million: 0.1, output_per_million: 0.2}
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(tmp_path: Path) -> RunDir:
    return write_run(tmp_path / "results")


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "q2.yaml"
    path.write_text(NEXT_QUARTER)
    return path


def test_reprice_leaves_run_unchanged(stored: RunDir, prices: Path) -> None:
    before = (digest(stored.samples_path), digest(stored.path / "manifest.json"))
    result = reprice_run(stored, load_price_file(prices))
    assert (digest(stored.samples_path), digest(stored.path / "manifest.json")) == before
    assert result.run_dir.path == stored.path / "reprice-q2"
    assert result.manifest.run_id == f"{RUN_ID}/reprice-q2"
    assert sorted(result.repriced_models) == ["coder", "frontier"]
    assert result.kept_models == ["pages"]

    copies = {(s.model_id, s.item_id, s.suite): s for s in result.run_dir.iter_samples()}
    # frontier: 1,000 input x $2 + 500 output x $4 per 1M = $0.004 (was $0.008).
    assert copies[("frontier", "0", "legal/pages")].cost_usd == pytest.approx(0.004)
    # coder was unpriced; now (1,000 x 0.1 + 500 x 0.2) / 1e6 = $0.0002.
    assert copies[("coder", "0", "code/small")].cost_usd == pytest.approx(0.0002)
    # pages keeps the run's price; a provider error stays without a cost.
    assert copies[("pages", "0", "legal/pages")].cost_usd == pytest.approx(0.002)
    assert copies[("frontier", "9", "code/small")].cost_usd is None
    assert result.manifest.prices["frontier"].origin == "price_file"
    assert result.manifest.cost_analysis["repriced"]["original_prices"]["frontier"]["input_per_million"] == 4.0


def test_reprice_tallies_before_and_after(stored: RunDir, prices: Path) -> None:
    result = reprice_run(stored, load_price_file(prices))
    legal = result.tallies[("frontier", "legal")]
    assert (legal.samples, legal.original, legal.repriced) == (50, pytest.approx(0.4), pytest.approx(0.2))
    code = result.tallies[("coder", "code")]
    assert (code.original_missing, code.repriced) == (10, pytest.approx(0.002))


def test_no_matching_entry_is_an_error(stored: RunDir, tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("source: s\nprices: {someone-else: {input_per_million: 1, output_per_million: 1}}\n")
    with pytest.raises(PriceFileError, match="no entry .* matches a model"):
        reprice_run(stored, load_price_file(path))


def test_cli_reprice_prints_totals_and_renders_reports(stored: RunDir, prices: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reprice", RUN_ID, "--prices", str(prices), "--name", "q2 rates",
                                       "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    # Before: pages 50 x $0.002 + frontier 59 x $0.008 = $0.572, coder's 10 samples unpriced.
    assert "Total at the run's prices: $0.572 (excludes 10 unpriced samples)" in out
    # After: pages $0.10 + frontier 59 x $0.004 = $0.236 + coder 10 x $0.0002 = $0.002 -> $0.338.
    assert "Total at the new prices: $0.338" in out
    assert "n/a (unpriced)" in out  # coder's change is no ratio: it had no price before
    report = tmp_path / "reports" / RUN_ID / "reprice-q2-rates" / "report.md"
    text = report.read_text()
    assert "repriced copy of run" in text
    assert (stored.path / "reprice-q2-rates" / "samples.jsonl").is_file()
