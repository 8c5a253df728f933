"""The hull, AIQ and APGR on small tables worked out by hand."""

from __future__ import annotations

import pytest

from harness.routing.metrics import Point, aiq, apgr, hull_value, nondecreasing_hull, pgr


def test_hull_drops_points_below_chord() -> None:
    # (2, 0.6) lies under the chord from (1, 0.5) to (3, 0.9), whose value at 2 is 0.7.
    points = [Point(1, 0.5), Point(2, 0.6), Point(3, 0.9)]
    assert nondecreasing_hull(points) == [Point(1, 0.5), Point(3, 0.9)]


def test_hull_drops_dearer_and_worse_points() -> None:
    # (4, 0.85) costs more than (3, 0.9) and is less accurate; (1, 0.4) loses to (1, 0.5) at the same cost.
    points = [Point(1, 0.4), Point(1, 0.5), Point(3, 0.9), Point(4, 0.85)]
    assert nondecreasing_hull(points) == [Point(1, 0.5), Point(3, 0.9)]


def test_hull_keeps_concave_vertex() -> None:
    # (2, 0.8) lies above the chord from (1, 0.5) to (3, 0.9), so it is a vertex.
    points = [Point(1, 0.5), Point(2, 0.8), Point(3, 0.9)]
    assert nondecreasing_hull(points) == points


def test_hull_value_is_zero_below_flat_above() -> None:
    hull = [Point(1, 0.5), Point(3, 0.9)]
    assert hull_value(hull, 0.5) == 0.0
    assert hull_value(hull, 2) == pytest.approx(0.7)
    assert hull_value(hull, 10) == pytest.approx(0.9)


def test_aiq_of_two_points_is_their_mean() -> None:
    # A straight hull from (1, 0.5) to (3, 0.9) over [1, 3]: area 2 x 0.7 = 1.4, divided by 2.
    assert aiq([Point(1, 0.5), Point(3, 0.9)], 1, 3) == pytest.approx(0.7)


def test_aiq_counts_zero_below_cheapest_point() -> None:
    # One point (2, 0.8) over [1, 3]: 0 on [1, 2], 0.8 on [2, 3], so (0 + 0.8) / 2.
    assert aiq([Point(2, 0.8)], 1, 3) == pytest.approx(0.4)


def test_aiq_with_concave_vertex() -> None:
    # Over [1, 3]: trapezoids (0.5 + 0.8) / 2 x 1 = 0.65 and (0.8 + 0.9) / 2 x 1 = 0.85; (0.65 + 0.85) / 2 = 0.75.
    assert aiq([Point(1, 0.5), Point(2, 0.8), Point(3, 0.9)], 1, 3) == pytest.approx(0.75)


def test_aiq_flat_past_last_point() -> None:
    # Hull ends at (2, 0.6); over [0, 4]: 0 on [0, 1], 0.4 -> 0.6 on [1, 2] (area 0.5), 0.6 on [2, 4] (area 1.2).
    assert aiq([Point(1, 0.4), Point(2, 0.6)], 0, 4) == pytest.approx((0.5 + 1.2) / 4)


def test_aiq_undefined_for_empty_range() -> None:
    assert aiq([Point(1, 0.5)], 2, 2) is None
    assert aiq([], 0, 1) is None


def test_pgr_definition() -> None:
    assert pgr(0.6, 0.4, 0.8) == pytest.approx(0.5)
    assert pgr(0.6, 0.5, 0.5) is None


def test_apgr_of_random_routing_is_half() -> None:
    # No sweep point: the curve is the straight line from (0, 0) to (1, 1).
    assert apgr([], 0.2, 0.6) == pytest.approx(0.5)


def test_apgr_single_point() -> None:
    # PGR 0.8 at share 0.5: (0 + 0.8) / 2 x 0.5 + (0.8 + 1) / 2 x 0.5 = 0.2 + 0.45.
    assert apgr([(0.5, 0.8)], 0.0, 1.0) == pytest.approx(0.65)


def test_apgr_keeps_best_point_per_share() -> None:
    # weak 0.4, strong 0.8: at share 0.25 accuracies 0.5 (PGR 0.25) and 0.7 (PGR 0.75); the 0.75 counts.
    # Curve (0, 0), (0.25, 0.75), (1, 1): 0.75 / 2 x 0.25 + 1.75 / 2 x 0.75 = 0.09375 + 0.65625.
    assert apgr([(0.25, 0.5), (0.25, 0.7)], 0.4, 0.8) == pytest.approx(0.75)


def test_apgr_undefined_for_equal_models() -> None:
    assert apgr([(0.5, 0.7)], 0.7, 0.7) is None
