"""Workload files and the readiness conditions, against the hand-built run of tests/costs/stored_run.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.aggregate import Aggregates, aggregate
from harness.roi.readiness import Thresholds, assess, focus_verticals
from harness.roi.workload import ASSUMED_LOG_DAYS, DAYS_PER_MONTH, Workload, WorkloadError, load_workload
from tests.costs.stored_run import write_run


@pytest.fixture
def figures(tmp_path: Path) -> Aggregates:
    run_dir = write_run(tmp_path / "results")
    return aggregate(run_dir.iter_samples(), run_dir.read_manifest())


def test_csv_log_with_days(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("vertical,count\nlegal,3\nlegal,1\ncode,2\n")
    workload = load_workload(path, days=7)
    # 4 legal and 2 code queries in 7 days, scaled to 30.44 days.
    assert workload.monthly["legal"] == pytest.approx(4 * DAYS_PER_MONTH / 7)
    assert workload.monthly["code"] == pytest.approx(2 * DAYS_PER_MONTH / 7)
    assert "from --days" in workload.basis


def test_jsonl_log_uses_its_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    rows = [{"vertical": "legal", "timestamp": "2027-01-01T00:00:00Z"},
            {"vertical": "legal", "timestamp": "2027-01-03T00:00:00Z"},
            {"vertical": "code", "timestamp": "2027-01-11T00:00:00Z"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    workload = load_workload(path)
    assert workload.monthly["legal"] == pytest.approx(2 * DAYS_PER_MONTH / 10)
    assert "span of its timestamps" in workload.basis


def test_log_without_period_says_it_assumed_one(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("vertical\nlegal\n")
    workload = load_workload(path)
    assert workload.monthly["legal"] == pytest.approx(DAYS_PER_MONTH / ASSUMED_LOG_DAYS)
    assert "assumed" in workload.basis


def test_stated_volumes(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("volumes: {legal: 40000, code: 8000}\ncost_per_error: 5\nbudget_monthly: 2000\nfixed_monthly: 900\n")
    workload = load_workload(path)
    assert workload.monthly == {"legal": 40_000, "code": 8_000}
    assert (workload.cost_per_error, workload.budget_monthly, workload.fixed_monthly) == (5, 2000, 900)


@pytest.mark.parametrize("name, text, message", [
    ("a.csv", "query\nhello\n", "'vertical' column"),
    ("a.csv", "vertical,count\nlegal,-2\n", "negative"),
    ("a.jsonl", "not json\n", "line 1 is not valid JSON"),
    ("a.jsonl", '{"vertical": "legal"}\n[1]\n', "line 2 must be a JSON object, got list"),
    ("a.yaml", "volumes: {}\n", "invalid workload"),
    ("a.txt", "legal\n", "unknown workload format"),
    ("a.csv", "vertical\n", "no queries"),
])
def test_bad_workloads_name_the_problem(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(WorkloadError, match=message):
        load_workload(path)


def workload(**fields: object) -> Workload:
    values: dict = {"source": "w", "monthly": {"legal": 80_000.0, "code": 20_000.0}, "basis": "stated",
                    "cost_per_error": 2.0, "budget_monthly": 3_000.0, "fixed_monthly": 1_000.0}
    values.update(fields)
    return Workload(**values)


def test_all_conditions_met_recommends_specializing(figures: Aggregates) -> None:
    readiness = assess(workload(), figures)
    assert [c.met for c in readiness.conditions] == [True, True, True, True, True]
    assert readiness.focus == ("legal",)
    assert readiness.recommendation.startswith("specialize: route legal (pages)")
    # Budget: fixed $1,000 + 80,000 x $0.002 = $1,160 needed.
    assert readiness.conditions[4].threshold == ">= fixed $1,000.00 + projected spend $160.00"
    assert "p 0.0039" in readiness.conditions[3].measured


def test_conditions_fail_with_their_measured_values(figures: Aggregates) -> None:
    readiness = assess(workload(monthly={"legal": 3_000.0, "code": 3_000.0, "finance": 3_000.0},
                                cost_per_error=None, budget_monthly=None), figures)
    met = {c.name: c.met for c in readiness.conditions}
    assert met == {"monthly volume": False, "share in the top one or two verticals": False,
                   "errors carry a stated cost": False,
                   "specialized model significantly better on those verticals": False,
                   "budget for a separate model": False}
    assert readiness.conditions[0].measured == "9,000 queries a month"
    assert readiness.recommendation.startswith("stay with the frontier model")


def test_specializing_needs_a_measured_win(figures: Aggregates) -> None:
    # code is the top vertical and its specialized model is unpriced and not significantly better,
    # so neither the advantage nor the budget (its spend cannot be projected) is met.
    readiness = assess(workload(monthly={"code": 90_000.0, "legal": 10_000.0}), figures)
    assert readiness.met == 3
    assert readiness.recommendation.startswith("pilot:")
    assert "no significant advantage" in readiness.recommendation


def test_no_specialized_model_means_measure_first(figures: Aggregates) -> None:
    readiness = assess(workload(monthly={"finance": 90_000.0, "legal": 1_000.0}), figures)
    budget = next(c for c in readiness.conditions if c.name == "budget for a separate model")
    assert budget.met is False
    assert readiness.recommendation.startswith("measure first")
    assert "finance" in readiness.recommendation


def test_top_two_focus_and_thresholds_change_the_answer(figures: Aggregates) -> None:
    even = workload(monthly={"legal": 45_000.0, "code": 40_000.0, "finance": 15_000.0})
    assert focus_verticals(even, Thresholds()) == ("legal", "code")
    assert focus_verticals(even, Thresholds(top1_share=0.4)) == ("legal",)
    assert assess(even, figures, Thresholds(min_monthly_volume=200_000)).conditions[0].met is False
