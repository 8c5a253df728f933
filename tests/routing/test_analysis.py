"""A whole routing analysis of the hand-worked scenario: AIQ, APGR, per-vertical points and the choices."""

from __future__ import annotations

import pytest

from harness.routing.analysis import MIX, AnalysisOptions, analyse
from harness.routing.select import Constraints
from harness.routing.table import RoutingError
from tests.routing import scenario

KEYWORD_ONLY = AnalysisOptions(classifiers=("keyword",))


@pytest.fixture(scope="module")
def analysis():
    return analyse(scenario.samples(), scenario.manifest(), KEYWORD_ONLY)


def curve(analysis, name):  # type: ignore[no-untyped-def]
    return next(c for c in analysis.curves if c.policy == name)


def test_default_policies(analysis) -> None:
    names = [c.policy for c in analysis.curves]
    assert names == ["fixed:small", "fixed:big", "table", "classifier:keyword", "cascade:small>big", "oracle", MIX]
    assert analysis.cost_range == (pytest.approx(0.005 / 6), pytest.approx(0.01))
    assert analysis.apgr_pair == ("small", "big")


LOW, HIGH = 0.005 / 6, 0.01
"""The AIQ cost range: fixed small's and fixed big's cost per query."""


def test_aiq_of_mix(analysis) -> None:
    # A straight hull from ($0.000833, 1/3) to ($0.01, 5/6) over exactly that range: the mean, 7/12.
    assert curve(analysis, MIX).aiq == pytest.approx(7 / 12)


def test_aiq_of_oracle(analysis) -> None:
    # Hull (LOW, 1/3), ($0.0055, 5/6), flat after: (1/3 + 5/6) / 2 x (0.0055 - LOW) + 5/6 x (HIGH - 0.0055).
    area = (1 / 3 + 5 / 6) / 2 * (0.0055 - LOW) + 5 / 6 * (HIGH - 0.0055)
    assert curve(analysis, "oracle").aiq == pytest.approx(area / (HIGH - LOW))


def test_aiq_of_table_vertex(analysis) -> None:
    # The table's point ($0.004, 2/3) lies above the mix's line, so it is a hull vertex.
    area = (1 / 3 + 2 / 3) / 2 * (0.004 - LOW) + (2 / 3 + 5 / 6) / 2 * (HIGH - 0.004)
    assert curve(analysis, "table").aiq == pytest.approx(area / (HIGH - LOW))
    assert curve(analysis, "table").hull == [(pytest.approx(LOW), pytest.approx(1 / 3)), (0.004, pytest.approx(2 / 3)),
                                             (0.01, pytest.approx(5 / 6))]


def test_aiq_of_cascade_equals_mix(analysis) -> None:
    # The sweep ($0.0041667, 1/2), ($0.0075, 2/3), ($0.0108, 5/6) lies under the mix's line
    # (1/3 + 54.5 x (c - LOW)), so the hull is the mix's and so is the AIQ.
    assert curve(analysis, "cascade:small>big").aiq == pytest.approx(7 / 12)


def test_apgr_values(analysis) -> None:
    # weak small 1/3, strong big 5/6. Table: share big 1/3 at 2/3 accuracy, PGR 2/3:
    # (0 + 2/3) / 2 x 1/3 + (2/3 + 1) / 2 x 2/3 = 1/9 + 5/9.
    assert curve(analysis, "table").apgr == pytest.approx(2 / 3)
    # Cascade sweep: (1/3, PGR 1/3), (2/3, 2/3), (1, 1) lie on the diagonal, like random routing.
    assert curve(analysis, "cascade:small>big").apgr == pytest.approx(0.5)
    # Oracle: share big 1/2 at PGR 1: 1/2 x 1/2 + 1/2 = 3/4.
    assert curve(analysis, "oracle").apgr == pytest.approx(0.75)


def test_classifier_evaluation(analysis) -> None:
    (result,) = analysis.classifiers
    assert result.kind == "keyword"
    assert result.items == 6
    assert result.confusion == {"legal": {"legal": 4}, "science": {"science": 2}}
    assert result.latency_ms_p50 is not None


def test_per_vertical_points(analysis) -> None:
    legal = {point.policy: point for point in analysis.per_vertical["legal"]}
    assert legal["cascade:small>big"].correct == 3  # L1, L2, L3
    assert legal["cascade:small>big"].total_cost == pytest.approx(0.034)
    assert legal["oracle"].correct == 3


def test_choice_under_constraints() -> None:
    options = AnalysisOptions(classifiers=("keyword",), constraints=Constraints(min_accuracy=0.7, max_cost_per_query=0.0095))
    choices = {choice.scope: choice for choice in analyse(scenario.samples(), scenario.manifest(), options).choices}
    # All items: only the classifier sweep end (5/6 at $0.01) and fixed big reach 70%, and both cost $0.01.
    assert choices["all"].point is None
    # Legal: cascade at 0.75 is right on 3/4 at $0.034 / 4 = $0.0085; big is right on 3/4 at $0.01.
    assert choices["legal"].point.policy == "cascade:small>big"  # type: ignore[union-attr]
    assert choices["legal"].point.parameter == 0.75  # type: ignore[union-attr]


def test_explicit_policies() -> None:
    options = AnalysisOptions(policy_texts=("cascade:small,big@0", "oracle"))
    analysis = analyse(scenario.samples(), scenario.manifest(), options)
    assert [c.policy for c in analysis.curves] == ["cascade:small>big", "oracle", MIX]
    assert analysis.curves[0].point.correct == 3  # type: ignore[union-attr]


def test_unknown_model_in_policy() -> None:
    with pytest.raises(RoutingError, match="names ghost"):
        analyse(scenario.samples(), scenario.manifest(), AnalysisOptions(policy_texts=("fixed:ghost",)))


def test_unpriced_run_has_no_aiq() -> None:
    analysis = analyse(scenario.samples(priced=False), scenario.manifest(priced=False), KEYWORD_ONLY)
    assert analysis.cost_range is None
    assert all(c.aiq is None for c in analysis.curves)
    assert curve(analysis, "table").apgr == pytest.approx(2 / 3)  # APGR needs no price
