"""Offline replay of each policy on the hand-worked scenario (tests/routing/scenario.py)."""

from __future__ import annotations

import pytest

from harness.routing.classify import OTHER, Classification
from harness.routing.policies import PolicySpec
from harness.routing.simulate import ClassifierCost, evaluate, oracle, sweep
from harness.routing.table import RoutingError, build_table
from tests.routing import scenario

FIXED_SMALL = PolicySpec(kind="fixed", model="small")
TABLE = PolicySpec(kind="table", table={"legal": "small"}, generalist="big")
CASCADE = PolicySpec(kind="cascade", chain=["small", "big"], confidence_threshold=0.75)


@pytest.fixture()
def table():
    return build_table(scenario.samples(), scenario.manifest())


def test_table_confidence_and_failed_call_cost(table) -> None:
    steps = {item.item_id: item.steps for item in table.items}
    assert [steps[item]["small"].confidence for item in ("L1", "L2", "L3", "L4", "S1")] == [1.0, 0.5, 0.5, 0.0, 1.0]
    assert steps["S2"]["small"].cost_usd == 0.0  # a failed call of a priced model is not billed
    assert steps["S2"]["small"].latency_s is None


def test_fixed_small(table) -> None:
    point = evaluate(FIXED_SMALL, table)
    assert (point.correct, point.items) == (2, 6)
    assert point.total_cost == pytest.approx(0.005)
    assert point.cost_per_query == pytest.approx(0.005 / 6)
    assert point.cost_per_correct == pytest.approx(0.0025)
    assert point.latency_p95 == pytest.approx(1.0)
    assert point.review == 1  # S2: the call failed and no model is left


def test_table_policy(table) -> None:
    point = evaluate(TABLE, table)
    assert point.correct == 4
    assert point.total_cost == pytest.approx(0.024)
    assert point.shares == {"small": pytest.approx(4 / 6), "big": pytest.approx(2 / 6)}
    assert point.escalated == 0  # L4's unparseable reply is kept: the table policy has no threshold


def test_cascade_default_threshold(table) -> None:
    point = evaluate(CASCADE, table)
    assert point.correct == 4
    assert point.total_cost == pytest.approx(0.045)
    assert point.shares == {"small": pytest.approx(1.0), "big": pytest.approx(4 / 6)}
    assert point.final_shares == {"small": pytest.approx(2 / 6), "big": pytest.approx(4 / 6)}
    assert point.escalated == 4
    # Latencies per item: L1 1, L2-L4 1 + 3, S1 1, S2 3 (the failed call's time is unknown): p95 of [1,4,4,4,1,3].
    assert point.latency_p95 == pytest.approx(4.0)


def test_cascade_sweep_points(table) -> None:
    points = sweep(CASCADE, table)
    assert [point.parameter for point in points] == [0.0, 0.75, 1.25]  # 0.25 and 0.5 equal 0, 1.0 equals 0.75
    assert [point.correct for point in points] == [3, 4, 5]
    assert [point.total_cost for point in points] == [pytest.approx(0.025), pytest.approx(0.045), pytest.approx(0.065)]


def test_cascade_review_keeps_reply(table) -> None:
    spec = CASCADE.model_copy(update={"on_low_confidence": "review"})
    point = evaluate(spec, table)
    # L2, L3, L4 are flagged and keep small's reply; S2 still falls back after the error.
    assert point.review == 3
    assert point.correct == 2 + 1  # L1, L2 by small, S2 by big
    assert point.shares["big"] == pytest.approx(1 / 6)


def test_oracle(table) -> None:
    point = oracle(table)
    assert point.correct == 5
    assert point.total_cost == pytest.approx(0.033)
    assert point.final_shares == {"small": pytest.approx(0.5), "big": pytest.approx(0.5)}


def test_classifier_policy_uses_verdicts(table) -> None:
    spec = PolicySpec(kind="classifier", table={"legal": "small"}, generalist="big")
    verdicts = {item.key: Classification(item.vertical, 0.9, False) for item in table.items}
    verdicts[("legal/hearsay", "L3")] = Classification(OTHER, 0.0, False)  # unclassified: to the generalist
    point = evaluate(spec, table, verdicts, ClassifierCost(usd=0.0001, latency_s=0.5))
    # L1, L2 small right; L3 big right; L4 small unparseable; S1, S2 big right: 5/6.
    # Cost 3 x $0.001 + 3 x $0.01 + 6 x $0.0001 classifications.
    assert point.correct == 5
    assert point.total_cost == pytest.approx(0.0336)
    assert point.to_generalist == 3
    assert point.latency_p95 == pytest.approx(3.5)


def test_classifier_sweep_ends_at_generalist(table) -> None:
    spec = PolicySpec(kind="classifier", table={"legal": "small"}, generalist="big")
    verdicts = {item.key: Classification(item.vertical, 0.6, False) for item in table.items}
    points = sweep(spec, table, verdicts)
    assert [point.parameter for point in points] == [0.0, 0.65]
    assert points[-1].shares == {"small": 0.0, "big": 1.0}


def test_unpriced_model_makes_cost_unpriced() -> None:
    table = build_table(scenario.samples(priced=False), scenario.manifest(priced=False))
    assert evaluate(FIXED_SMALL, table).total_cost == pytest.approx(0.005)
    point = evaluate(TABLE, table)
    assert point.total_cost is None
    assert point.cost_per_query is None
    assert point.unpriced_items == 2


def test_table_needs_two_models() -> None:
    only_small = [sample for sample in scenario.samples() if sample.model_id == "small"]
    with pytest.raises(RoutingError, match="at least two models"):
        build_table(only_small, scenario.manifest())


def test_table_drops_items_missing_a_model() -> None:
    samples = [s for s in scenario.samples() if not (s.model_id == "big" and s.item_id == "S1")]
    table = build_table(samples, scenario.manifest())
    assert len(table.items) == 5
    assert table.dropped == 1
