"""Tests of the paired difference shared by both comparisons."""

from __future__ import annotations

import random

import pytest

from harness.compare.paired import PairedCounts, holm_or_none, paired_difference, paired_difference_from_counts


def test_paired_difference_counts() -> None:
    # first [1, 1, 0, 0, 1], second [1, 0, 1, 0, 0]: 3/5 against 2/5, +20 pp.
    # Discordant: first only on items 2 and 5 (2), second only on item 3 (1); p = 2 * (1 + 3) / 8 = 1 (capped).
    result = paired_difference([1, 1, 0, 0, 1], [1, 0, 1, 0, 0], resamples=500, seed=1)
    assert result.items == 5
    assert result.accuracy_first == pytest.approx(0.6)
    assert result.accuracy_second == pytest.approx(0.4)
    assert result.points == pytest.approx(20.0)
    assert result.first_only_correct == 2
    assert result.second_only_correct == 1
    assert result.p_value == 1.0
    assert result.interval_points is not None
    assert result.interval_points[0] <= 20.0 <= result.interval_points[1]


def test_paired_difference_no_discordant_items() -> None:
    result = paired_difference([1, 0, 1], [1, 0, 1])
    assert result.points == 0.0
    assert result.interval_points == (0.0, 0.0)
    assert result.p_value == 1.0


def test_paired_difference_all_and_none_correct() -> None:
    # Every item flips one way: +100 pp, the bootstrap cannot move, p = 2 / 2^4 = 0.125.
    result = paired_difference([1, 1, 1, 1], [0, 0, 0, 0])
    assert result.points == 100.0
    assert result.interval_points == (100.0, 100.0)
    assert result.p_value == 0.125


def test_paired_difference_one_item() -> None:
    result = paired_difference([0], [1])
    assert result.points == -100.0
    assert result.second_only_correct == 1
    assert result.p_value == 1.0


def test_paired_difference_no_items() -> None:
    result = paired_difference([], [])
    assert result.items == 0
    assert result.points is None
    assert result.interval_points is None
    assert result.p_value is None


def test_paired_difference_length_mismatch() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1], [1, 0])


def test_paired_difference_rejects_non_binary() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        paired_difference([1, 2], [1, 0])


def test_paired_counts_from_outcomes() -> None:
    counts = PairedCounts.from_outcomes([1, 1, 0, 0, 1], [1, 0, 1, 0, 0])
    assert counts == PairedCounts(both_correct=1, first_only_correct=2, second_only_correct=1, neither_correct=1)
    assert counts.items == 5


def test_paired_counts_reject_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        PairedCounts(1, -1, 0, 0)


@pytest.mark.parametrize("seed", [0, 1, 17])
def test_difference_from_counts_equals_lists(seed: int) -> None:
    chance = random.Random(seed)
    first = [chance.randint(0, 1) for _ in range(53)]
    second = [chance.randint(0, 1) for _ in range(53)]
    from_counts = paired_difference_from_counts(PairedCounts.from_outcomes(first, second), resamples=300, seed=seed)
    assert from_counts == paired_difference(first, second, resamples=300, seed=seed)


def test_difference_from_empty_counts() -> None:
    result = paired_difference_from_counts(PairedCounts(0, 0, 0, 0))
    assert result.items == 0
    assert result.p_value is None


def test_holm_or_none_skips_missing() -> None:
    # Holm over the two present values [0.01, 0.04]: 0.02 and 0.04.
    assert holm_or_none([0.01, None, 0.04]) == [pytest.approx(0.02), None, pytest.approx(0.04)]
