"""ROI and readiness cells shared by the terminal and the report, so both print the same numbers."""

from __future__ import annotations

from harness.costs.tables import NOT_PRICED_RATIO, money
from harness.report.formatting import format_percent, format_rate
from harness.roi.analysis import RoiRow
from harness.roi.readiness import Readiness

ROI_COLUMNS: tuple[tuple[str, str], ...] = (
    ("vertical", "Vertical"),
    ("specialized", "Specialized"),
    ("frontier", "Frontier"),
    ("volume", "Queries a month"),
    ("accuracy", "Accuracy S vs F"),
    ("cost_specialized", "Monthly cost S"),
    ("cost_frontier", "Monthly cost F"),
    ("cost_difference", "Cost difference S - F"),
    ("answers", "Answers gained a month [95% CI]"),
    ("vpd_specialized", "Correct per $ S"),
    ("vpd_frontier", "Correct per $ F"),
    ("vpd_improvement", "Value per $ improvement"),
    ("net", "Net monthly value [95% CI]"),
    ("break_even", "Break-even volume"),
)
"""(cell key, column title) in display order."""


def roi_cells(row: RoiRow) -> dict[str, str]:
    """Format one ROI row; money is 'unpriced' and ratios 'n/a (unpriced)' when a model has no price."""
    f, pair = row.figures, row.pair
    priced_s, priced_f = pair.cost_specialized is not None, pair.cost_frontier is not None
    both = priced_s and priced_f
    difference = None
    if both:
        assert f.monthly_cost_specialized is not None and f.monthly_cost_frontier is not None
        difference = f.monthly_cost_specialized - f.monthly_cost_frontier
    return {
        "vertical": row.vertical,
        "specialized": row.specialized,
        "frontier": row.frontier,
        "volume": f"{f.volume:,.0f}",
        "accuracy": f"{format_percent(pair.accuracy_specialized)} vs {format_percent(pair.accuracy_frontier)} "
                    f"({row.paired_items:,} items)",
        "cost_specialized": money(f.monthly_cost_specialized, priced_s),
        "cost_frontier": money(f.monthly_cost_frontier, priced_f),
        "cost_difference": money(difference) if both else NOT_PRICED_RATIO,
        "answers": _count_with_interval(f.answers_gained, f.answers_gained_interval),
        "vpd_specialized": _vpd(f.value_per_dollar_specialized, priced_s),
        "vpd_frontier": _vpd(f.value_per_dollar_frontier, priced_f),
        "vpd_improvement": _improvement(f.value_per_dollar_improvement) if both else NOT_PRICED_RATIO,
        "net": _net(row) if both else NOT_PRICED_RATIO,
        "break_even": _break_even(row) if both else NOT_PRICED_RATIO,
    }


def _count_with_interval(value: float, interval: tuple[float, float] | None) -> str:
    text = f"{value:+,.0f}"
    if interval is not None:
        text += f" [{interval[0]:+,.0f}, {interval[1]:+,.0f}]"
    return text


def _vpd(value: float | None, priced: bool) -> str:
    if not priced:
        return "unpriced"
    return "n/a (free)" if value is None else format_rate(value)


def _improvement(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f} ({value * 100:+,.1f}%)"


def _net(row: RoiRow) -> str:
    f = row.figures
    text = money(f.net_monthly_value)
    if f.net_monthly_interval is not None:
        text += f" [{money(f.net_monthly_interval[0])}, {money(f.net_monthly_interval[1])}]"
    if not row.scenario.values_stated:
        text += " (cost only: no value per correct answer or cost per error stated)"
    return text


def _break_even(row: RoiRow) -> str:
    f = row.figures
    if f.break_even_volume is None:
        return f"never (margin {money(f.margin_per_query)} a query)"
    if row.scenario.fixed_monthly == 0:
        return "0 (no fixed monthly cost stated)"
    return f"{f.break_even_volume:,.0f} queries a month"


def scenario_text(rows: list[RoiRow]) -> str:
    """Describe the stated inputs of an ROI table in one line."""
    if not rows:
        return "no vertical with both a volume and a comparison"
    s = rows[0].scenario
    parts = [
        "value per correct answer " + ("not stated" if s.value_per_correct is None else money(s.value_per_correct)),
        "cost per error " + ("not stated" if s.cost_per_error is None else money(s.cost_per_error)),
        f"fixed monthly cost of the specialized model {money(s.fixed_monthly)}",
    ]
    return "; ".join(parts)


def readiness_rows(readiness: Readiness) -> list[dict[str, str]]:
    """Format one row per condition: name, met, measured value and threshold."""
    return [{"name": c.name, "met": "yes" if c.met else "no", "measured": c.measured, "threshold": c.threshold}
            for c in readiness.conditions]


def readiness_summary(readiness: Readiness) -> str:
    """Format the count of conditions met and the recommendation."""
    return f"{readiness.met} of {len(readiness.conditions)} conditions met: {readiness.recommendation}"
