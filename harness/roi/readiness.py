"""Specialization readiness: is this workload ready for a separate specialized model?

Five conditions, each shown with its measured value and its threshold:

1. volume: queries a month at or above `min_monthly_volume`;
2. concentration: the top vertical's share at or above `top1_share`, or the top two
   verticals' share at or above `top2_share`;
3. error cost: the cost of an error is stated and above zero;
4. measured advantage: on each vertical that makes the workload concentrated (the top one,
   or the top two when the second is needed to reach `top2_share`), a specialized model
   beats the frontier model with a Holm-adjusted McNemar p below `alpha`;
5. budget: a stated monthly budget covers the fixed monthly cost of the separate model plus
   its projected spend on those verticals (volume x its cost per query in the run). The
   model is the specialized one with the largest advantage on each vertical.

The count of conditions met decides the recommendation: `specialize_at` or more, specialize;
`pilot_at` or more, run a pilot; fewer, stay with the frontier model. Specializing also
needs condition 4, because without a measured win there is no evidence to route on. With
enough other conditions met, the recommendation is then a pilot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harness.aggregate import Aggregates, Comparison
from harness.roi.workload import Workload


@dataclass(frozen=True)
class Thresholds:
    """The values each condition is tested against; every one can be changed from the command line."""

    min_monthly_volume: float = 10_000
    """Queries a month; below it a separate model's fixed cost is rarely paid back."""
    top1_share: float = 0.5
    top2_share: float = 0.7
    alpha: float = 0.05
    """Significance level of the Holm-adjusted McNemar test."""
    specialize_at: int = 4
    pilot_at: int = 3

    def describe(self) -> list[tuple[str, str]]:
        """Return (name, value) pairs for display."""
        return [(name, f"{value:g}" if isinstance(value, float) else str(value)) for name, value in asdict(self).items()]


@dataclass(frozen=True)
class Condition:
    """One condition: whether it is met, what was measured and what it is tested against."""

    name: str
    met: bool
    measured: str
    threshold: str


@dataclass(frozen=True)
class Readiness:
    """Every condition, the count met and the recommendation."""

    conditions: tuple[Condition, ...]
    focus: tuple[str, ...]
    """The verticals that make the workload concentrated."""
    recommendation: str
    thresholds: Thresholds

    @property
    def met(self) -> int:
        """Number of conditions met."""
        return sum(condition.met for condition in self.conditions)


def assess(workload: Workload, aggregates: Aggregates, thresholds: Thresholds = Thresholds()) -> Readiness:
    """Test the workload and the run's comparisons against the thresholds."""
    focus = focus_verticals(workload, thresholds)
    candidates = {vertical: _best_candidate(aggregates, vertical) for vertical in focus}
    advantage = _advantage(focus, candidates, thresholds)
    conditions = (
        _volume(workload, thresholds),
        _concentration(workload, thresholds),
        _error_cost(workload),
        advantage,
        _budget(workload, aggregates, focus, candidates),
    )
    met = sum(condition.met for condition in conditions)
    recommendation = _recommend(met, advantage.met, focus, candidates, thresholds)
    return Readiness(conditions=conditions, focus=focus, recommendation=recommendation, thresholds=thresholds)


def focus_verticals(workload: Workload, thresholds: Thresholds) -> tuple[str, ...]:
    """Return the top vertical, plus the second when the top one alone is below `top1_share`."""
    ranked = [vertical for vertical, volume in workload.ranked() if volume > 0]
    if not ranked:
        return ()
    if _share(workload, ranked[:1]) >= thresholds.top1_share or len(ranked) == 1:
        return tuple(ranked[:1])
    return tuple(ranked[:2])


def _share(workload: Workload, verticals: list[str]) -> float:
    total = workload.total
    return sum(workload.monthly[v] for v in verticals) / total if total else 0.0


def _volume(workload: Workload, t: Thresholds) -> Condition:
    return Condition("monthly volume", workload.total >= t.min_monthly_volume,
                     f"{workload.total:,.0f} queries a month", f">= {t.min_monthly_volume:,.0f}")


def _concentration(workload: Workload, t: Thresholds) -> Condition:
    ranked = [vertical for vertical, _ in workload.ranked()]
    top1, top2 = _share(workload, ranked[:1]), _share(workload, ranked[:2])
    measured = f"top 1 ({', '.join(ranked[:1])}) {top1:.1%}; top 2 ({', '.join(ranked[:2])}) {top2:.1%}"
    return Condition("share in the top one or two verticals", top1 >= t.top1_share or top2 >= t.top2_share,
                     measured, f"top 1 >= {t.top1_share:.0%} or top 2 >= {t.top2_share:.0%}")


def _error_cost(workload: Workload) -> Condition:
    cost = workload.cost_per_error
    measured = "not stated" if cost is None else f"${cost:,.2f} per error"
    return Condition("errors carry a stated cost", cost is not None and cost > 0, measured, "> $0 per error, stated")


def _best_candidate(aggregates: Aggregates, vertical: str) -> Comparison | None:
    """Return the comparison on a vertical whose specialized model has the largest advantage, if any."""
    compared = [c for c in aggregates.comparisons if c.vertical == vertical and c.advantage_points is not None]
    return max(compared, key=lambda c: c.advantage_points or 0.0, default=None)


def _significant_win(comparison: Comparison, alpha: float) -> bool:
    p = comparison.mcnemar_p_holm
    return bool(comparison.advantage_points and comparison.advantage_points > 0 and p is not None and p < alpha)


def _advantage(focus: tuple[str, ...], candidates: dict[str, Comparison | None], t: Thresholds) -> Condition:
    parts = []
    for vertical in focus:
        best = candidates[vertical]
        if best is None:
            parts.append(f"{vertical}: no specialized model compared")
            continue
        p = "n/a" if best.mcnemar_p_holm is None else f"{best.mcnemar_p_holm:.3g}"
        verdict = "significant" if _significant_win(best, t.alpha) else "not significant"
        parts.append(f"{vertical}: {best.specialized} {best.advantage_points:+.1f} pp over {best.frontier}, "
                     f"Holm p {p} ({verdict})")
    met = bool(focus) and all(c is not None and _significant_win(c, t.alpha) for c in candidates.values())
    return Condition("specialized model significantly better on those verticals", met,
                     "; ".join(parts) or "no vertical in the workload", f"advantage > 0 and Holm p < {t.alpha:g}")


def _budget(workload: Workload, aggregates: Aggregates, focus: tuple[str, ...],
            candidates: dict[str, Comparison | None]) -> Condition:
    spend, unpriced = 0.0, []
    for vertical in focus:
        best = candidates[vertical]
        stats = aggregates.vertical_stats(best.specialized, vertical) if best else None
        if stats is None or not stats.priced or stats.cost_per_item is None:
            unpriced.append(vertical)
            continue
        spend += workload.monthly[vertical] * stats.cost_per_item
    need = (workload.fixed_monthly or 0.0) + spend
    fixed_text = "not stated" if workload.fixed_monthly is None else f"${workload.fixed_monthly:,.2f}"
    needed = f"fixed {fixed_text} + projected spend ${spend:,.2f}"
    if unpriced:
        needed += f" (no priced specialized model on {', '.join(unpriced)})"
    budget = workload.budget_monthly
    measured = "no budget stated" if budget is None else f"${budget:,.2f} a month"
    # Spend on a vertical without a priced specialized model cannot be projected, so the budget is not shown to cover it.
    covered = budget is not None and budget >= need and not unpriced and bool(focus)
    return Condition("budget for a separate model", covered, measured, f">= {needed}")


def _recommend(met: int, measured_win: bool, focus: tuple[str, ...], candidates: dict[str, Comparison | None],
               t: Thresholds) -> str:
    targets = ", ".join(f"{v} ({c.specialized})" if (c := candidates.get(v)) else v for v in focus) or "the top verticals"
    missing = [vertical for vertical in focus if candidates.get(vertical) is None]
    if missing and met >= t.pilot_at:
        return (f"measure first: the run has no specialized model compared on {', '.join(missing)}; "
                "add one to the config and run it before deciding")
    if met >= t.specialize_at and measured_win:
        return f"specialize: route {targets} to the specialized model"
    if met >= t.pilot_at:
        why = "" if measured_win else " (no significant advantage measured yet, so not a full switch)"
        return f"pilot: try the specialized model on part of the {targets} traffic and measure again{why}"
    return "stay with the frontier model: too few conditions are met for a separate model to pay off"
