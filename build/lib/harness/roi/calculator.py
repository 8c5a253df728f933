"""ROI of a specialized model S against a frontier model F at a monthly volume, per query arithmetic.

With N queries a month, accuracies a_S and a_F, costs per query c_S and c_F, a stated value V
of a correct answer, a stated cost E of an error (any answer that is not correct), and the
fixed monthly cost K of running S separately (hosting or contract plus routing overhead):

- monthly cost of a model = N x c
- answers gained (lost when negative) = N x (a_S - a_F), with the interval of (a_S - a_F)
- value per dollar = a / c, i.e. correct answers per dollar at any volume; its improvement
  is vpd_S / vpd_F - 1
- margin per query m = (a_S - a_F) x (V + E) - (c_S - c_F): a correct answer instead of an
  error gains V and avoids E; V and E not stated count as 0, so m is then the cost saving
- net monthly value = N x m - K
- break-even volume = K / m when m > 0: above it the specialized model pays for its fixed
  cost; when m <= 0 it never does.

Worked example: a_S = 0.94 at $0.002 a page and a_F = 0.76 at $0.008 a page give 470 and 95
correct pages per dollar, an improvement of 470 / 95 - 1 = 3.947 (+394.7%).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PairInputs:
    """Measured figures of one specialized model against one frontier model on one vertical."""

    accuracy_specialized: float
    accuracy_frontier: float
    difference_interval: tuple[float, float] | None
    """95% interval of a_S - a_F as fractions; None when it was not measured."""
    cost_specialized: float | None
    """US dollars per query; None when the model is unpriced."""
    cost_frontier: float | None


@dataclass(frozen=True)
class Scenario:
    """User-stated volume, stakes and fixed cost of one vertical."""

    volume: float
    """Queries per month."""
    value_per_correct: float | None = None
    """US dollars a correct answer is worth."""
    cost_per_error: float | None = None
    """US dollars a wrong or missing answer costs."""
    fixed_monthly: float = 0.0
    """US dollars a month for running the specialized model separately, routing included."""

    @property
    def values_stated(self) -> bool:
        """Tell whether the value of a correct answer or the cost of an error was given."""
        return self.value_per_correct is not None or self.cost_per_error is not None

    @property
    def stakes(self) -> float:
        """V + E: what one more correct answer is worth, in US dollars."""
        return (self.value_per_correct or 0.0) + (self.cost_per_error or 0.0)


@dataclass(frozen=True)
class RoiFigures:
    """The ROI of one pair at one scenario; money figures are None when a model is unpriced."""

    volume: float
    monthly_cost_specialized: float | None
    monthly_cost_frontier: float | None
    answers_gained: float
    answers_gained_interval: tuple[float, float] | None
    value_per_dollar_specialized: float | None
    value_per_dollar_frontier: float | None
    value_per_dollar_improvement: float | None
    margin_per_query: float | None
    net_monthly_value: float | None
    net_monthly_interval: tuple[float, float] | None
    break_even_volume: float | None
    """None when the specialized model never pays back (m <= 0) or a model is unpriced."""


def value_per_dollar(accuracy: float, cost_per_query: float | None) -> float | None:
    """Correct answers per dollar: accuracy / cost per query; None when unpriced or free."""
    if cost_per_query is None or cost_per_query <= 0:
        return None
    return accuracy / cost_per_query


def improvement(value: float | None, baseline: float | None) -> float | None:
    """Return value / baseline - 1, or None when either is missing or the baseline is 0."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline - 1.0


def margin_per_query(difference: float, stakes: float, cost_specialized: float, cost_frontier: float) -> float:
    """m = (a_S - a_F) x (V + E) - (c_S - c_F), in US dollars per query."""
    return difference * stakes - (cost_specialized - cost_frontier)


def break_even_volume(margin: float, fixed_monthly: float) -> float | None:
    """K / m: monthly queries above which the specialized model pays back; None when m <= 0."""
    if margin <= 0:
        return None
    return fixed_monthly / margin


def roi(pair: PairInputs, scenario: Scenario) -> RoiFigures:
    """Compute every ROI figure of one pair at one scenario."""
    n = scenario.volume
    difference = pair.accuracy_specialized - pair.accuracy_frontier
    interval = pair.difference_interval
    vpd_s = value_per_dollar(pair.accuracy_specialized, pair.cost_specialized)
    vpd_f = value_per_dollar(pair.accuracy_frontier, pair.cost_frontier)
    priced = pair.cost_specialized is not None and pair.cost_frontier is not None
    margin = net = net_interval = break_even = None
    if priced:
        assert pair.cost_specialized is not None and pair.cost_frontier is not None
        margin = margin_per_query(difference, scenario.stakes, pair.cost_specialized, pair.cost_frontier)
        net = n * margin - scenario.fixed_monthly
        break_even = break_even_volume(margin, scenario.fixed_monthly)
        if interval is not None and scenario.stakes > 0:
            low, high = (margin_per_query(bound, scenario.stakes, pair.cost_specialized, pair.cost_frontier)
                         for bound in interval)
            net_interval = (n * low - scenario.fixed_monthly, n * high - scenario.fixed_monthly)
    return RoiFigures(
        volume=n,
        monthly_cost_specialized=None if pair.cost_specialized is None else n * pair.cost_specialized,
        monthly_cost_frontier=None if pair.cost_frontier is None else n * pair.cost_frontier,
        answers_gained=n * difference,
        answers_gained_interval=None if interval is None else (n * interval[0], n * interval[1]),
        value_per_dollar_specialized=vpd_s,
        value_per_dollar_frontier=vpd_f,
        value_per_dollar_improvement=improvement(vpd_s, vpd_f),
        margin_per_query=margin,
        net_monthly_value=net,
        net_monthly_interval=net_interval,
        break_even_volume=break_even,
    )
