"""Tests of harness.aggregate on hand-built samples whose figures are worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.aggregate import Aggregates, aggregate, model_roster
from harness.store.records import Manifest, PriceSnapshot, Sample, Usage

RUN = "run-1"
SUITE = "legal/hearsay"


def make_manifest(*, frontier_priced: bool = True) -> Manifest:
    """Two models: 'lawyer' specializes in legal, 'big' is the frontier baseline."""
    models = [
        {"id": "lawyer", "model": "openai/lawyer-7b", "role": "specialized", "verticals": ["legal"]},
        {"id": "big", "model": "openai/gpt-big", "role": "frontier"},
    ]
    prices = {
        "lawyer": PriceSnapshot(
            model_id="lawyer", priced=True, input_per_million=1.0, output_per_million=2.0, source="config"
        ),
        "big": PriceSnapshot(
            model_id="big", priced=True, input_per_million=10.0, output_per_million=30.0, source="config"
        )
        if frontier_priced
        else PriceSnapshot(model_id="big", priced=False, source="unpriced"),
    }
    return Manifest(
        run_id=RUN,
        name="hand",
        config={"name": "hand", "models": models, "suites": ["legal/*"]},
        config_hash="0" * 16,
        prices=prices,
        started_at="2025-01-01T00:00:00Z",
    )


def make_sample(model_id: str, item_id: str, outcome: str, **fields: Any) -> Sample:
    return Sample(
        run_id=RUN,
        model_id=model_id,
        suite=fields.pop("suite", SUITE),
        vertical=fields.pop("vertical", "legal"),
        item_id=item_id,
        messages=[{"role": "user", "content": f"question {item_id}"}],
        outcome=outcome,
        started_at="2025-01-01T00:00:00Z",
        **fields,
    )


def lawyer_sample(item_id: str, outcome: str, latency: float) -> Sample:
    # 100 input tokens at $1/M plus 50 output tokens at $2/M = $0.0001 + $0.0001 = $0.0002.
    return make_sample(
        "lawyer",
        item_id,
        outcome,
        usage=Usage(input_tokens=100, output_tokens=50),
        cost_usd=0.0002,
        latency_s=latency,
    )


def big_sample(item_id: str, outcome: str, latency: float, *, priced: bool = True) -> Sample:
    # 100 input tokens at $10/M plus 100 output tokens at $30/M = $0.001 + $0.003 = $0.004.
    return make_sample(
        "big",
        item_id,
        outcome,
        usage=Usage(input_tokens=100, output_tokens=100),
        cost_usd=0.004 if priced else None,
        latency_s=latency,
    )


def hand_samples(*, frontier_priced: bool = True) -> Iterator[Sample]:
    """Four legal items.

    item  lawyer      big
    i1    correct     correct
    i2    correct     incorrect
    i3    incorrect   incorrect
    i4    error       correct
    """
    yield lawyer_sample("i1", "correct", 1.0)
    yield lawyer_sample("i2", "correct", 2.0)
    yield lawyer_sample("i3", "incorrect", 3.0)
    yield make_sample("lawyer", "i4", "error", usage=Usage(reported=False))
    yield big_sample("i1", "correct", 4.0, priced=frontier_priced)
    yield big_sample("i2", "incorrect", 5.0, priced=frontier_priced)
    yield big_sample("i3", "incorrect", 6.0, priced=frontier_priced)
    yield big_sample("i4", "correct", 7.0, priced=frontier_priced)


@pytest.fixture
def result() -> Aggregates:
    return aggregate(hand_samples(), make_manifest())


def test_specialized_vertical_accuracy(result: Aggregates) -> None:
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    # 4 samples, 1 error -> 3 answered, 2 correct: accuracy 2/3.
    assert stats.items == 4
    assert stats.answered == 3
    assert stats.correct == 2
    assert stats.accuracy == pytest.approx(2 / 3)
    # Wilson 95% for 2/3, worked out in test_stats: (0.2077, 0.9385).
    assert stats.accuracy_interval == (pytest.approx(0.2077, abs=5e-5), pytest.approx(0.9385, abs=5e-5))


def test_outcome_counts_and_rates(result: Aggregates) -> None:
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.outcome_counts == {
        "correct": 2,
        "incorrect": 1,
        "unparseable": 0,
        "truncated": 0,
        "refused": 0,
        "error": 1,
    }
    # Rates are over all 4 samples, error included.
    assert stats.outcome_rates["correct"] == pytest.approx(0.5)
    assert stats.outcome_rates["error"] == pytest.approx(0.25)


def test_specialized_costs(result: Aggregates) -> None:
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    # 3 answered samples of 150 tokens each; the error sample has no usage and no cost.
    assert stats.input_tokens == 300
    assert stats.output_tokens == 150
    assert stats.total_tokens == 450
    assert stats.usage_missing == 0
    assert stats.cost_missing == 0
    # 3 x $0.0002 = $0.0006.
    assert stats.total_cost == pytest.approx(0.0006)
    # $0.0006 / 450 tokens * 1000 = $0.0013333 per 1K tokens.
    assert stats.cost_per_1k_tokens == pytest.approx(0.0006 / 450 * 1000)
    assert stats.cost_per_1k_tokens == pytest.approx(0.00133333, rel=1e-5)
    # $0.0006 / 3 costed samples = $0.0002; $0.0006 / 2 correct = $0.0003.
    assert stats.cost_per_item == pytest.approx(0.0002)
    assert stats.cost_per_correct == pytest.approx(0.0003)
    # 2 correct / $0.0006 = 3333.33 correct answers per dollar.
    assert stats.value_per_dollar == pytest.approx(3333.3333, rel=1e-6)


def test_frontier_costs(result: Aggregates) -> None:
    stats = result.vertical_stats("big", "legal")
    assert stats is not None
    # 4 answered, 2 correct: accuracy 0.5.
    assert stats.accuracy == pytest.approx(0.5)
    # 4 x 200 tokens = 800 tokens, 4 x $0.004 = $0.016, so $0.016 / 800 * 1000 = $0.02 per 1K tokens.
    assert stats.total_tokens == 800
    assert stats.total_cost == pytest.approx(0.016)
    assert stats.cost_per_1k_tokens == pytest.approx(0.02)
    assert stats.cost_per_item == pytest.approx(0.004)
    assert stats.cost_per_correct == pytest.approx(0.008)
    # 2 / $0.016 = 125 correct answers per dollar.
    assert stats.value_per_dollar == pytest.approx(125.0)


def test_latency_percentiles(result: Aggregates) -> None:
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    # Latencies [1, 2, 3] (the error sample has none): p50 = 2, p95 at h = 1.9 -> 2 + 0.9 = 2.9.
    assert stats.latency_p50 == pytest.approx(2.0)
    assert stats.latency_p95 == pytest.approx(2.9)


def test_suite_groups_match_vertical(result: Aggregates) -> None:
    suites = {(s.model_id, s.group): s for s in result.by_suite}
    assert set(suites) == {("big", SUITE), ("lawyer", SUITE)}
    assert suites[("lawyer", SUITE)].accuracy == pytest.approx(2 / 3)
    assert suites[("big", SUITE)].total_cost == pytest.approx(0.016)


def test_comparison_figures(result: Aggregates) -> None:
    assert len(result.comparisons) == 1
    comparison = result.comparisons[0]
    assert (comparison.vertical, comparison.specialized, comparison.frontier) == ("legal", "lawyer", "big")
    # i4 is left out because the lawyer's outcome is an error: items i1, i2, i3 remain.
    assert comparison.paired_items == 3
    # lawyer correct on i1, i2 -> 2/3; big correct on i1 -> 1/3.
    assert comparison.accuracy_specialized == pytest.approx(2 / 3)
    assert comparison.accuracy_frontier == pytest.approx(1 / 3)
    # Absolute advantage (2/3 - 1/3) * 100 = 33.33 points; relative (1/3) / (1/3) = +100%.
    assert comparison.advantage_points == pytest.approx(100 / 3)
    assert comparison.advantage_relative == pytest.approx(1.0)
    # Discordant: i2 only the lawyer got right (b = 1), none only big (c = 0); p = min(1, 2 * 1/2) = 1.
    assert comparison.specialized_only_correct == 1
    assert comparison.frontier_only_correct == 0
    assert comparison.mcnemar_p == 1.0


def test_comparison_interval(result: Aggregates) -> None:
    comparison = result.comparisons[0]
    interval = comparison.advantage_interval_points
    assert interval is not None
    # Paired differences are [0, 1, 0]; every resampled mean lies in [0, 100] points.
    assert 0.0 <= interval[0] <= 100 / 3 <= interval[1] <= 100.0


def test_comparison_costs(result: Aggregates) -> None:
    comparison = result.comparisons[0]
    assert comparison.cost_per_1k_specialized == pytest.approx(0.0013333, rel=1e-4)
    assert comparison.cost_per_1k_frontier == pytest.approx(0.02)
    # (0.0013333 - 0.02) / 0.02 = -0.93333.
    assert comparison.cost_differential == pytest.approx(-0.933333, rel=1e-5)
    # 3333.33 / 125 - 1 = 25.6667.
    assert comparison.value_per_dollar_improvement == pytest.approx(25.666667, rel=1e-6)


def test_unpriced_frontier() -> None:
    result = aggregate(hand_samples(frontier_priced=False), make_manifest(frontier_priced=False))
    stats = result.vertical_stats("big", "legal")
    assert stats is not None
    assert stats.priced is False
    assert stats.total_cost is None
    assert stats.cost_per_1k_tokens is None
    assert stats.value_per_dollar is None
    assert stats.cost_missing == 0  # an unpriced model has no missing costs, only no price
    comparison = result.comparisons[0]
    assert comparison.cost_differential is None
    assert comparison.value_per_dollar_improvement is None
    # Accuracy figures do not depend on price.
    assert comparison.advantage_points == pytest.approx(100 / 3)


def test_unpriced_snapshot_ignores_sample_costs() -> None:
    manifest = make_manifest(frontier_priced=False)
    result = aggregate(hand_samples(frontier_priced=True), manifest)
    stats = result.vertical_stats("big", "legal")
    assert stats is not None
    assert stats.total_cost is None


def test_cost_missing_is_counted_and_excluded() -> None:
    samples = [
        lawyer_sample("i1", "correct", 1.0),
        # Usage not reported, so no cost: excluded from every cost figure and counted.
        make_sample("lawyer", "i2", "correct", usage=Usage(reported=False), latency_s=1.0),
    ]
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.cost_missing == 1
    assert stats.usage_missing == 1
    assert stats.total_cost == pytest.approx(0.0002)
    # Only i1 has a cost: 150 tokens, 1 correct.
    assert stats.cost_per_1k_tokens == pytest.approx(0.0002 / 150 * 1000)
    assert stats.cost_per_item == pytest.approx(0.0002)
    assert stats.cost_per_correct == pytest.approx(0.0002)
    assert stats.value_per_dollar == pytest.approx(5000.0)
    # Accuracy still counts both answers.
    assert stats.accuracy == 1.0


def test_non_answer_outcomes_count_as_wrong() -> None:
    samples = [
        make_sample("lawyer", "i1", "correct"),
        make_sample("lawyer", "i2", "unparseable"),
        make_sample("lawyer", "i3", "truncated"),
        make_sample("lawyer", "i4", "refused"),
        make_sample("lawyer", "i5", "error"),
    ]
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    # 5 samples, 1 error -> 4 answered, 1 correct: 25%.
    assert stats.answered == 4
    assert stats.accuracy == pytest.approx(0.25)
    assert stats.outcome_rates["truncated"] == pytest.approx(0.2)
    assert stats.outcome_rates["error"] == pytest.approx(0.2)
    # No latencies recorded.
    assert stats.latency_p50 is None


def test_reasoning_and_cached_tokens_counted() -> None:
    usage = Usage(input_tokens=10, cached_input_tokens=20, cache_write_tokens=5, output_tokens=7, reasoning_tokens=30)
    samples = [make_sample("lawyer", "i1", "correct", usage=usage, cost_usd=0.001)]
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    # Input 10 + 20 + 5 = 35, output 7 + 30 = 37, total 72.
    assert stats.input_tokens == 35
    assert stats.output_tokens == 37
    # $0.001 / 72 tokens * 1000.
    assert stats.cost_per_1k_tokens == pytest.approx(0.001 / 72 * 1000)


def test_all_errors_give_no_accuracy() -> None:
    samples = [make_sample("lawyer", "i1", "error"), make_sample("big", "i1", "correct")]
    result = aggregate(samples, make_manifest())
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.answered == 0
    assert stats.accuracy is None
    assert stats.accuracy_interval is None
    comparison = result.comparisons[0]
    assert comparison.paired_items == 0
    assert comparison.advantage_points is None
    assert comparison.advantage_interval_points is None
    assert comparison.mcnemar_p is None


def test_frontier_accuracy_zero_gives_no_relative() -> None:
    samples = [make_sample("lawyer", "i1", "correct"), make_sample("big", "i1", "incorrect")]
    comparison = aggregate(samples, make_manifest()).comparisons[0]
    assert comparison.advantage_points == pytest.approx(100.0)
    assert comparison.advantage_relative is None


def test_repeats_count_in_groups_not_in_pairs() -> None:
    samples = [
        make_sample("lawyer", "i1", "correct"),
        make_sample("lawyer", "i1", "incorrect", repeat=1),
        make_sample("big", "i1", "incorrect"),
    ]
    result = aggregate(samples, make_manifest())
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.items == 2
    assert stats.accuracy == pytest.approx(0.5)
    comparison = result.comparisons[0]
    assert comparison.paired_items == 1
    assert comparison.accuracy_specialized == 1.0


def test_item_ids_scoped_by_suite() -> None:
    samples = [
        make_sample("lawyer", "i1", "correct", suite="legal/a"),
        make_sample("lawyer", "i1", "correct", suite="legal/b"),
        make_sample("big", "i1", "correct", suite="legal/a"),
        make_sample("big", "i1", "incorrect", suite="legal/b"),
    ]
    comparison = aggregate(samples, make_manifest()).comparisons[0]
    assert comparison.paired_items == 2
    assert comparison.accuracy_frontier == pytest.approx(0.5)


def test_no_comparison_outside_targeted_vertical() -> None:
    samples = [
        make_sample("lawyer", "m1", "correct", suite="medical/qa", vertical="medical"),
        make_sample("big", "m1", "correct", suite="medical/qa", vertical="medical"),
    ]
    result = aggregate(samples, make_manifest())
    assert result.comparisons == ()
    assert result.vertical_stats("lawyer", "medical") is not None


def test_aggregate_reads_a_generator_once() -> None:
    consumed = []

    def stream() -> Iterator[Sample]:
        for sample in hand_samples():
            consumed.append(sample.key)
            yield sample

    result = aggregate(stream(), make_manifest())
    assert len(consumed) == 8
    assert len(result.by_vertical) == 2


def test_model_roster_reads_config() -> None:
    roster = model_roster(make_manifest())
    assert [m.id for m in roster] == ["lawyer", "big"]
    assert roster[0].verticals == ("legal",)
    assert roster[1].role == "frontier"
    assert roster[1].verticals == ()


# --- mean over subtasks, pass@k and Holm ---------------------------------------------


def test_mean_over_subtasks() -> None:
    # Group "a": 2 of 10 correct; group "b": 5 of 5. Mean over items 7/15, mean over subtasks (0.2 + 1.0) / 2 = 0.6.
    # Interval from test_stats (statsmodels 0.15.0 Wilson at the capped n_eff = 15): (0.357468, 0.801755).
    samples = [make_sample("lawyer", f"a{n}", "correct" if n < 2 else "incorrect", group="a") for n in range(10)]
    samples += [make_sample("lawyer", f"b{n}", "correct", group="b") for n in range(5)]
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.accuracy == pytest.approx(7 / 15)
    assert stats.subtasks == 2
    assert stats.subtask_accuracy == pytest.approx(0.6)
    assert stats.subtask_interval == (pytest.approx(0.35746830120624595, rel=1e-9),
                                      pytest.approx(0.8017550385865843, rel=1e-9))


def test_vertical_subtasks_span_suites() -> None:
    # Two suites without groups are two subtasks of the vertical: (1.0 + 0.0) / 2 = 0.5.
    samples = [
        make_sample("lawyer", "i1", "correct", suite="legal/a"),
        make_sample("lawyer", "i1", "incorrect", suite="legal/b"),
        make_sample("lawyer", "i2", "incorrect", suite="legal/b"),
    ]
    result = aggregate(samples, make_manifest())
    vertical = result.vertical_stats("lawyer", "legal")
    assert vertical is not None
    assert vertical.subtasks == 2
    assert vertical.subtask_accuracy == pytest.approx(0.5)
    assert vertical.accuracy == pytest.approx(1 / 3)


def test_errors_leave_subtask_out() -> None:
    samples = [make_sample("lawyer", "i1", "error", group="a"), make_sample("lawyer", "i2", "correct", group="b")]
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.subtasks == 1
    assert stats.subtask_accuracy == 1.0
    assert stats.excluded == 1


def test_no_answers_give_no_subtask_mean() -> None:
    stats = aggregate([make_sample("lawyer", "i1", "error")], make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.subtasks == 0
    assert stats.subtask_accuracy is None
    assert stats.subtask_interval is None


def test_pass_at_k_over_repeats() -> None:
    # i1: 5 repeats, 2 correct. i2: 4 answered repeats, none correct, plus one error.
    # The largest k every item supports is 4. pass@1 = (2/5 + 0/4) / 2 = 0.2.
    # pass@4: i1 1 - C(3, 4) / C(5, 4) = 1 (only 3 wrong), i2 0 -> 0.5.
    samples = [make_sample("lawyer", "i1", "correct" if r < 2 else "incorrect", repeat=r) for r in range(5)]
    samples += [make_sample("lawyer", "i2", "incorrect", repeat=r) for r in range(4)]
    samples.append(make_sample("lawyer", "i2", "error", repeat=4))
    stats = aggregate(samples, make_manifest()).vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.max_repeats == 5
    assert stats.pass_at_k == ((1, pytest.approx(0.2)), (4, pytest.approx(0.5)))


def test_no_pass_at_k_without_repeats(result: Aggregates) -> None:
    stats = result.vertical_stats("lawyer", "legal")
    assert stats is not None
    assert stats.max_repeats == 1
    assert stats.pass_at_k == ()


def two_vertical_manifest() -> Manifest:
    manifest = make_manifest()
    models = [dict(model) for model in manifest.config["models"]]
    models[0]["verticals"] = ["legal", "medical"]
    return manifest.model_copy(update={"config": {**manifest.config, "models": models}})


def test_holm_across_verticals_of_a_pair() -> None:
    # legal: the lawyer is right and the frontier wrong on 10 items: b = 10, c = 0, p = 2 / 2^10 = 0.001953125.
    # medical: both right on 3 items, no discordant pair, p = 1.
    # statsmodels 0.15.0: multipletests([0.001953125, 1.0], method="holm")[1] = [0.00390625, 1.0].
    samples = [make_sample("lawyer", f"l{n}", "correct") for n in range(10)]
    samples += [make_sample("big", f"l{n}", "incorrect") for n in range(10)]
    for model in ("lawyer", "big"):
        samples += [make_sample(model, f"m{n}", "correct", suite="medical/qa", vertical="medical") for n in range(3)]
    comparisons = {c.vertical: c for c in aggregate(samples, two_vertical_manifest()).comparisons}
    assert comparisons["legal"].mcnemar_p == 0.001953125
    assert comparisons["legal"].mcnemar_p_holm == 0.00390625
    assert comparisons["legal"].significant is True
    assert comparisons["medical"].mcnemar_p == 1.0
    assert comparisons["medical"].mcnemar_p_holm == 1.0
    assert comparisons["medical"].significant is False
    # No discordant pairs: the bootstrap interval collapses on 0.
    assert comparisons["medical"].advantage_interval_points == (0.0, 0.0)


def test_single_vertical_holm_equals_raw(result: Aggregates) -> None:
    comparison = result.comparisons[0]
    assert comparison.mcnemar_p_holm == comparison.mcnemar_p
