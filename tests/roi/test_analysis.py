"""Volumes from --volume and --mix, and ROI rows from a stored run."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.aggregate import aggregate
from harness.roi.analysis import RoiError, RoiRequest, monthly_volumes, parse_number, roi_rows
from harness.roi.tables import roi_cells
from tests.costs.stored_run import write_run

VERTICALS = ["code", "legal"]


@pytest.mark.parametrize("text, value", [("120000", 120_000), ("120,000", 120_000), ("120k", 120_000),
                                          ("1.5M", 1_500_000), ("60%", 0.6), ("0.25", 0.25)])
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text, "--volume") == pytest.approx(value)


def test_bare_volume_applies_to_every_vertical() -> None:
    assert monthly_volumes(RoiRequest(volume=["50k"]), VERTICALS) == {"code": 50_000, "legal": 50_000}


def test_named_volumes_with_a_default() -> None:
    request = RoiRequest(volume=["legal=80000", "1000"])
    assert monthly_volumes(request, VERTICALS) == {"code": 1_000, "legal": 80_000}


def test_named_volumes_only_skip_the_others() -> None:
    assert monthly_volumes(RoiRequest(volume=["legal=80000"]), VERTICALS) == {"legal": 80_000}


def test_mix_splits_the_total() -> None:
    request = RoiRequest(volume=["100000"], mix=["legal=60%", "code=0.3"])
    assert monthly_volumes(request, VERTICALS) == {"legal": pytest.approx(60_000), "code": pytest.approx(30_000)}


@pytest.mark.parametrize("request_fields, message", [
    ({"volume": ["1000", "2000"]}, "totals"),
    ({"volume": ["finance=1000"]}, "finance, which the run did not compare"),
    ({"volume": ["100000"], "mix": ["legal=0.7", "code=0.5"]}, "must not exceed 1"),
    ({"volume": ["legal=100"], "mix": ["legal=1"]}, "single --volume"),
    ({"volume": ["lots"]}, "not a number"),
])
def test_bad_volumes_name_the_fix(request_fields: dict, message: str) -> None:
    with pytest.raises(RoiError, match=message):
        monthly_volumes(RoiRequest(**request_fields), VERTICALS)


def test_rows_reproduce_worked_example(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "results")
    figures = aggregate(run_dir.iter_samples(), run_dir.read_manifest())
    rows = roi_rows(figures, RoiRequest(volume=["10000"], value_per_correct=0.5, cost_per_error=1.0,
                                        fixed_monthly=1380.0))
    legal = next(row for row in rows if row.vertical == "legal")
    assert legal.figures.value_per_dollar_specialized == pytest.approx(470.0)
    assert legal.figures.value_per_dollar_frontier == pytest.approx(95.0)
    assert legal.figures.break_even_volume == pytest.approx(5_000.0)
    cells = roi_cells(legal)
    assert cells["vpd_improvement"] == "+3.947 (+394.7%)"
    assert cells["cost_specialized"] == "$20.00"
    assert cells["cost_frontier"] == "$80.00"
    assert cells["answers"].startswith("+1,800 [")
    assert cells["break_even"] == "5,000 queries a month"


def test_unpriced_rows_print_no_ratio(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "results")
    figures = aggregate(run_dir.iter_samples(), run_dir.read_manifest())
    code = next(row for row in roi_rows(figures, RoiRequest(volume=["1000"])) if row.vertical == "code")
    cells = roi_cells(code)
    assert cells["cost_specialized"] == "unpriced"
    for key in ("cost_difference", "vpd_improvement", "net", "break_even"):
        assert cells[key] == "n/a (unpriced)"
    # coder 8/9 against frontier 6/9 on the 9 items both answered: +2/9 x 1,000 = +222.
    assert cells["answers"].startswith("+222")
