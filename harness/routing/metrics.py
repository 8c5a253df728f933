"""Accuracy-cost metrics of routing policies: the non-decreasing convex hull, AIQ and APGR.

Sources of the formulas (docs/routing.md states them with worked examples):
- AIQ, "average improvement in quality": Q. J. Hu et al., "RouterBench: A Benchmark for
  Multi-LLM Routing System", arXiv:2403.12031 (2024). A policy's (cost, accuracy) points are
  replaced by their non-decreasing convex hull R~, because a random mix of two operating points
  reaches every point on the segment between them. AIQ = 1 / (c_max - c_min) * integral of
  R~(c) dc from c_min to c_max.
- APGR, "average performance gap recovered": I. Ong et al., "RouteLLM: Learning to Route LLMs
  with Preference Data", arXiv:2406.18665 (2024). For a weak model W and a strong model S,
  PGR = (acc - acc_W) / (acc_S - acc_W) at each share of items sent to S, and APGR is the
  integral of PGR over that share from 0 to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Point(NamedTuple):
    """One operating point of a policy: mean cost per query in US dollars and accuracy in [0, 1]."""

    cost: float
    accuracy: float


def nondecreasing_hull(points: Sequence[Point]) -> list[Point]:
    """Return the vertices of the non-decreasing upper convex hull of the points, cheapest first.

    The hull starts at the most accurate of the cheapest points and ends at the cheapest of the
    most accurate points. Between them it is the upper concave envelope, which rises there.
    Points under the hull are dominated by a random mix of two hull vertices.
    """
    if not points:
        return []
    ordered = sorted(set(points), key=lambda point: (point.cost, -point.accuracy))
    best = max(point.accuracy for point in ordered)
    last = next(index for index, point in enumerate(ordered) if point.accuracy == best)
    hull: list[Point] = []
    for point in ordered[: last + 1]:
        if hull and point.cost == hull[-1].cost:
            continue  # the same cost with a lower accuracy, since the sort puts the best first
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], point) >= 0:
            hull.pop()
        hull.append(point)
    return hull


def _cross(origin: Point, middle: Point, end: Point) -> float:
    """Return the z component of (middle - origin) x (end - origin); >= 0 means middle is not above the chord."""
    return (middle.cost - origin.cost) * (end.accuracy - origin.accuracy) - (middle.accuracy - origin.accuracy) * (end.cost - origin.cost)


def hull_value(hull: Sequence[Point], cost: float) -> float:
    """Return R~(cost): 0 below the hull's cheapest vertex, its best accuracy above the last one, linear between."""
    if not hull or cost < hull[0].cost:
        return 0.0
    for left, right in zip(hull, hull[1:]):
        if cost <= right.cost:
            share = (cost - left.cost) / (right.cost - left.cost)
            return left.accuracy + share * (right.accuracy - left.accuracy)
    return hull[-1].accuracy


def aiq(points: Sequence[Point], cost_min: float, cost_max: float) -> float | None:
    """Return the RouterBench AIQ of the points over [cost_min, cost_max], or None for an empty range.

    Below the cheapest point the policy cannot operate, so R~ counts as 0 there.
    """
    if cost_max <= cost_min or not points:
        return None
    hull = nondecreasing_hull(points)
    low = max(cost_min, hull[0].cost)
    if low >= cost_max:
        return 0.0
    # From its cheapest vertex on, R~ is continuous and linear between vertices, so the
    # trapezoidal rule over the vertices inside the range is exact.
    breaks = sorted({low, cost_max, *(point.cost for point in hull if low < point.cost < cost_max)})
    area = sum((hull_value(hull, left) + hull_value(hull, right)) / 2 * (right - left) for left, right in zip(breaks, breaks[1:]))
    return area / (cost_max - cost_min)


def pgr(accuracy: float, weak: float, strong: float) -> float | None:
    """Return the performance gap recovered, or None when the two models are equally accurate."""
    if strong == weak:
        return None
    return (accuracy - weak) / (strong - weak)


def apgr(points: Sequence[tuple[float, float]], weak: float, strong: float) -> float | None:
    """Return the RouteLLM APGR of (strong-call share, accuracy) points.

    The PGR curve runs through the points sorted by share, with the all-weak point (0, 0) and
    the all-strong point (1, 1) added, because sending every item to one model is always
    possible. Of several points at one share the best counts. The curve is linear between
    points and its integral over [0, 1] is exact (the trapezoidal rule on a piecewise-linear
    curve), where RouteLLM approximates the same integral numerically.

    Returns:
        APGR, or None when weak and strong accuracies are equal (PGR is undefined).
    """
    if strong == weak:
        return None
    curve: dict[float, float] = {0.0: 0.0, 1.0: 1.0}
    for share, accuracy in points:
        value = (accuracy - weak) / (strong - weak)
        share = min(1.0, max(0.0, share))
        curve[share] = max(curve.get(share, value), value)
    shares = sorted(curve)
    return sum((curve[a] + curve[b]) / 2 * (b - a) for a, b in zip(shares, shares[1:]))
