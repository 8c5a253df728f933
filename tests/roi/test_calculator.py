"""The ROI arithmetic, worked by hand."""

from __future__ import annotations

import pytest

from harness.roi.calculator import PairInputs, Scenario, break_even_volume, improvement, roi, value_per_dollar

# The worked example: 94% at $0.002 a page against 76% at $0.008 a page.
EXAMPLE = PairInputs(accuracy_specialized=0.94, accuracy_frontier=0.76, difference_interval=(0.08, 0.28),
                     cost_specialized=0.002, cost_frontier=0.008)


def test_worked_example_value_per_dollar() -> None:
    # 0.94 / 0.002 = 470 and 0.76 / 0.008 = 95 correct pages per dollar; 470 / 95 - 1 = 3.947.
    figures = roi(EXAMPLE, Scenario(volume=10_000))
    assert figures.value_per_dollar_specialized == pytest.approx(470.0)
    assert figures.value_per_dollar_frontier == pytest.approx(95.0)
    assert figures.value_per_dollar_improvement == pytest.approx(3.947368, rel=1e-6)
    assert round(figures.value_per_dollar_improvement * 100) == 395
    # Not the 340% sometimes quoted for these inputs.
    assert figures.value_per_dollar_improvement != pytest.approx(3.40, abs=0.05)


def test_monthly_figures_at_a_volume() -> None:
    figures = roi(EXAMPLE, Scenario(volume=10_000))
    assert figures.monthly_cost_specialized == pytest.approx(20.0)  # 10,000 x $0.002
    assert figures.monthly_cost_frontier == pytest.approx(80.0)
    assert figures.answers_gained == pytest.approx(1_800.0)  # 10,000 x 0.18
    assert figures.answers_gained_interval == (pytest.approx(800.0), pytest.approx(2_800.0))


def test_net_value_and_break_even_with_stakes() -> None:
    # m = 0.18 x ($0.50 + $1.00) - ($0.002 - $0.008) = 0.27 + 0.006 = $0.276 a page.
    scenario = Scenario(volume=10_000, value_per_correct=0.50, cost_per_error=1.00, fixed_monthly=1_380.0)
    figures = roi(EXAMPLE, scenario)
    assert figures.margin_per_query == pytest.approx(0.276)
    assert figures.net_monthly_value == pytest.approx(10_000 * 0.276 - 1_380.0)
    assert figures.break_even_volume == pytest.approx(5_000.0)  # 1,380 / 0.276
    # With the interval of the difference: m between 0.08 x 1.5 + 0.006 and 0.28 x 1.5 + 0.006.
    low, high = figures.net_monthly_interval
    assert low == pytest.approx(10_000 * 0.126 - 1_380.0)
    assert high == pytest.approx(10_000 * 0.426 - 1_380.0)


def test_cost_only_break_even() -> None:
    # No stakes stated: m is the saving per query, $0.006; $600 a month is paid back at 100,000 pages.
    figures = roi(EXAMPLE, Scenario(volume=10_000, fixed_monthly=600.0))
    assert figures.margin_per_query == pytest.approx(0.006)
    assert figures.break_even_volume == pytest.approx(100_000.0)
    assert figures.net_monthly_interval is None


def test_never_pays_back_when_dearer_and_no_better() -> None:
    pair = PairInputs(accuracy_specialized=0.70, accuracy_frontier=0.76, difference_interval=None,
                      cost_specialized=0.010, cost_frontier=0.008)
    figures = roi(pair, Scenario(volume=1_000, value_per_correct=1.0, fixed_monthly=100.0))
    assert figures.break_even_volume is None
    assert figures.net_monthly_value == pytest.approx(1_000 * (-0.06 - 0.002) - 100.0)


def test_unpriced_model_gives_no_money_figures() -> None:
    pair = PairInputs(accuracy_specialized=0.9, accuracy_frontier=0.8, difference_interval=(0.0, 0.2),
                      cost_specialized=None, cost_frontier=0.008)
    figures = roi(pair, Scenario(volume=1_000, value_per_correct=1.0, fixed_monthly=10.0))
    assert figures.monthly_cost_specialized is None
    assert figures.value_per_dollar_improvement is None
    assert figures.net_monthly_value is None
    assert figures.break_even_volume is None
    assert figures.answers_gained == pytest.approx(100.0)


def test_helpers_guard_their_edges() -> None:
    assert value_per_dollar(0.9, None) is None
    assert value_per_dollar(0.9, 0.0) is None
    assert improvement(1.0, 0.0) is None
    assert break_even_volume(0.0, 100.0) is None
    assert break_even_volume(0.5, 0.0) == 0.0
