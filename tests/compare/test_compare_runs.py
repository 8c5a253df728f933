"""Tests of comparing two stored runs with known flips (see tests/compare/scenario.py for the numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.compare.runs import ComparisonError, RunComparison, compare_runs
from harness.store.run_dir import RunDir
from tests.compare.scenario import BASE_ID, NEW_ID, write_base, write_new


@pytest.fixture
def runs(tmp_path: Path) -> tuple[RunDir, RunDir]:
    results = tmp_path / "results"
    return write_base(results), write_new(results)


@pytest.fixture
def comparison(runs: tuple[RunDir, RunDir]) -> RunComparison:
    return compare_runs(*runs, threshold_points=5.0, alpha=0.05)


def test_pairs_shared_model_ids_only(comparison: RunComparison) -> None:
    # 'front' is only in the base run, so only 'spec' is compared.
    assert [pair.label for pair in comparison.pairs] == ["spec"]
    pair = comparison.pairs[0]
    assert pair.base_reported == ("spec-2025-01",)
    assert pair.new_reported == ("spec-2025-06",)
    assert comparison.only_in_base == {"spec": 0}
    assert comparison.only_in_new == {"spec": 0}
    assert comparison.base.run_id == BASE_ID
    assert comparison.new.run_id == NEW_ID


def test_legal_regression(comparison: RunComparison) -> None:
    legal = next(row for row in comparison.vertical_rows if row.group == "legal")
    assert legal.shared_items == 20
    assert legal.excluded_items == 0
    assert legal.difference.accuracy_second == pytest.approx(0.9)  # base
    assert legal.difference.accuracy_first == pytest.approx(0.5)  # new
    assert legal.difference.points == pytest.approx(-40.0)
    assert legal.right_to_wrong == 9
    assert legal.wrong_to_right == 1
    # b = 1, c = 9: 22 / 1024; Holm over [0.021484375, 1.0] doubles it (statsmodels 0.15.0: 0.04296875).
    assert legal.difference.p_value == 0.021484375
    assert legal.p_holm == 0.04296875
    assert legal.regression is True
    interval = legal.difference.interval_points
    assert interval is not None
    assert interval[0] < -40.0 < interval[1] < 0.0


def test_costs_and_latency_on_compared_items(comparison: RunComparison) -> None:
    legal = next(row for row in comparison.vertical_rows if row.group == "legal")
    assert legal.cost_per_item_base == pytest.approx(0.001)
    assert legal.cost_per_item_new == pytest.approx(0.0005)
    assert legal.cost_change == pytest.approx(-0.5)
    assert legal.latency_p50_base == pytest.approx(1.0)
    assert legal.latency_p50_new == pytest.approx(2.0)
    assert legal.latency_p95_new == pytest.approx(2.0)


def test_error_items_are_excluded(comparison: RunComparison) -> None:
    science = next(row for row in comparison.vertical_rows if row.group == "science")
    # S3 ended in error in the new run: 4 shared, 1 excluded, 3 compared (2/3 against 3/3).
    assert science.shared_items == 4
    assert science.excluded_items == 1
    assert science.difference.items == 3
    assert science.difference.points == pytest.approx(100 / 3)
    assert science.difference.p_value == 1.0
    assert science.p_holm == 1.0
    assert science.regression is False


def test_suite_rows_have_their_own_holm_family(comparison: RunComparison) -> None:
    suites = {row.group: row for row in comparison.suite_rows}
    assert set(suites) == {"legal/hearsay", "science/mmlu"}
    assert suites["legal/hearsay"].p_holm == 0.04296875
    assert comparison.regressions == tuple(row for row in comparison.vertical_rows if row.group == "legal")


def test_flips_with_both_replies(comparison: RunComparison) -> None:
    right_to_wrong = [flip for flip in comparison.flips if flip.direction == "right_to_wrong"]
    wrong_to_right = [flip for flip in comparison.flips if flip.direction == "wrong_to_right"]
    assert [flip.item_id for flip in right_to_wrong] == [f"L{n}" for n in range(10, 19)]
    assert [(flip.suite, flip.item_id) for flip in wrong_to_right] == [("legal/hearsay", "L19"), ("science/mmlu", "S2")]
    # Right-to-wrong flips come first.
    assert comparison.flips[0].direction == "right_to_wrong"
    first = right_to_wrong[0]
    assert first.base.outcome == "correct"
    assert first.base.reply == "spec says correct on L10"
    assert first.new.outcome == "incorrect"
    assert first.new.reply == "It is <b>not</b> hearsay | no"
    assert first.reference == "Yes"


def test_threshold_and_alpha_decide_regression(runs: tuple[RunDir, RunDir]) -> None:
    # The 40-point drop is below a 50-point threshold; Holm p 0.043 is above alpha 0.01.
    assert compare_runs(*runs, threshold_points=50.0).regressions == ()
    assert compare_runs(*runs, threshold_points=5.0, alpha=0.01).regressions == ()


def test_explicit_pair_of_different_ids(runs: tuple[RunDir, RunDir]) -> None:
    # front answered every legal item correctly in the base run; spec in the new run 10/20.
    result = compare_runs(*runs, pairs=[("front", "spec")])
    assert [pair.label for pair in result.pairs] == ["front → spec"]
    legal = next(row for row in result.vertical_rows if row.group == "legal")
    assert legal.difference.points == pytest.approx(-50.0)
    assert legal.right_to_wrong == 10
    # front has no science items, so the new run's 4 science items are only in the new run.
    assert result.only_in_new == {"front → spec": 4}


def test_unknown_model_is_rejected(runs: tuple[RunDir, RunDir]) -> None:
    with pytest.raises(ComparisonError, match="'nobody' is not in base run"):
        compare_runs(*runs, pairs=[("nobody", "spec")])
    with pytest.raises(ComparisonError, match="'front' is not in new run"):
        compare_runs(*runs, pairs=[("spec", "front")])


def test_runs_without_shared_model_ids(tmp_path: Path) -> None:
    from tests.compare.stored_runs import Answer, write_run

    results = tmp_path / "results"
    first = write_run(results, "r1", {"a": [Answer("legal/x", "1", "correct")]}, started_at="2026-01-01T00:00:00+00:00")
    second = write_run(results, "r2", {"b": [Answer("legal/x", "1", "correct")]}, started_at="2026-01-02T00:00:00+00:00")
    with pytest.raises(ComparisonError, match="share no model id"):
        compare_runs(first, second)


def test_run_against_itself_has_no_flips(runs: tuple[RunDir, RunDir]) -> None:
    base, _ = runs
    result = compare_runs(base, base)
    assert result.flips == ()
    assert all(row.difference.points == 0.0 for row in result.vertical_rows)
    assert all(row.difference.p_value == 1.0 for row in result.vertical_rows)


def test_unchanged_settings_list_nothing(comparison: RunComparison) -> None:
    assert comparison.pairs[0].changes == ()


def test_changed_price_and_params_are_named(runs: tuple[RunDir, RunDir]) -> None:
    from harness.report.comparison import comparison_markdown

    base, new = runs
    manifest = new.read_manifest()
    entry = next(model for model in manifest.config["models"] if model["id"] == "spec")
    entry["params"] = {"temperature": 0.7}
    manifest.prices["spec"] = manifest.prices["spec"].model_copy(update={"input_per_million": 3.0})
    new.write_manifest(manifest)

    comparison = compare_runs(base, new)

    assert comparison.pairs[0].changes == (
        'params {} → {"temperature": 0.7}',
        "price 1 / 2 USD per 1M tokens → 3 / 2 USD per 1M tokens",
    )
    text = comparison_markdown(comparison, 5)
    assert "Settings that differ between the runs" in text
    assert '"temperature": 0.7' in text
