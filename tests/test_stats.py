"""Tests of the interval estimates and tests in harness.stats against independently computed values.

Values marked "statsmodels 0.15.0" or "scipy 1.17.1" were computed with those packages outside
this project (proportion_confint(method="wilson"), multipletests(method="holm"),
mcnemar(exact=True), scipy.special.comb(exact=True)); the others are worked out by hand in the comments.
"""

from __future__ import annotations

import math
import random

import pytest

from harness.stats import (
    _binomial,
    holm_adjust,
    mcnemar_exact,
    interpolate,
    mean_pass_at_k,
    mean_pass_at_k_from_histogram,
    paired_bootstrap_counts,
    paired_bootstrap_diff,
    pass_at_k,
    percentile,
    percentile_position,
    subtask_mean_interval,
    wilson_interval,
)

Z2 = 1.959963984540054**2  # 3.841459


# --- Wilson interval ---------------------------------------------------------------


def test_wilson_eight_of_ten() -> None:
    # Textbook value for 8/10 at 95%: p = 0.8, z^2/n = 0.384146, denominator 1.384146,
    # center (0.8 + 0.192073) / 1.384146 = 0.716740,
    # half width 1.959964 / 1.384146 * sqrt(0.016 + 0.009604) = 0.226582 -> (0.4902, 0.9433).
    lower, upper = wilson_interval(8, 10)
    assert lower == pytest.approx(0.4902, abs=5e-5)
    assert upper == pytest.approx(0.9433, abs=5e-5)


def test_wilson_two_of_three() -> None:
    # p = 2/3, z^2/n = 1.280486, denominator 2.280486,
    # center (0.666667 + 0.640243) / 2.280486 = 0.573085,
    # half width 1.959964 / 2.280486 * sqrt(0.074074 + 0.106707) = 0.365421 -> (0.2077, 0.9385).
    lower, upper = wilson_interval(2, 3)
    assert lower == pytest.approx(0.2077, abs=5e-5)
    assert upper == pytest.approx(0.9385, abs=5e-5)


def test_wilson_zero_successes() -> None:
    # At p = 0 the interval is [0, z^2 / (n + z^2)] = [0, 3.841459 / 13.841459] = [0, 0.277533].
    lower, upper = wilson_interval(0, 10)
    assert lower == 0.0
    assert upper == pytest.approx(Z2 / (10 + Z2), rel=1e-12)
    assert upper == pytest.approx(0.277533, abs=1e-6)


def test_wilson_all_successes() -> None:
    # At p = 1 the interval is [n / (n + z^2), 1] = [10 / 13.841459, 1] = [0.722467, 1].
    lower, upper = wilson_interval(10, 10)
    assert lower == pytest.approx(10 / (10 + Z2), rel=1e-12)
    assert lower == pytest.approx(0.722467, abs=1e-6)
    assert upper == 1.0


def test_wilson_single_trial() -> None:
    # n = 1: success gives [1 / (1 + z^2), 1] = [0.206549, 1]; failure gives [0, 0.793451].
    assert wilson_interval(1, 1) == (pytest.approx(1 / (1 + Z2), rel=1e-12), 1.0)
    assert wilson_interval(1, 1)[0] == pytest.approx(0.206549, abs=1e-6)
    assert wilson_interval(0, 1) == (0.0, pytest.approx(Z2 / (1 + Z2), rel=1e-12))


def test_wilson_zero_trials_is_nan() -> None:
    lower, upper = wilson_interval(0, 0)
    assert math.isnan(lower)
    assert math.isnan(upper)


def test_wilson_custom_z() -> None:
    # z = 1 (68% interval), 5/10: center 0.5, half width (1 / 1.1) * sqrt(0.025 + 0.0025) = 0.150756.
    lower, upper = wilson_interval(5, 10, z=1.0)
    assert lower == pytest.approx(0.5 - 0.150756, abs=1e-6)
    assert upper == pytest.approx(0.5 + 0.150756, abs=1e-6)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_invalid_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match="invalid counts"):
        wilson_interval(successes, n)


# --- percentile --------------------------------------------------------------------


def test_percentile_linear_interpolation() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    # h = 3 * q / 100 over the sorted values [1, 2, 3, 4].
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == pytest.approx(2.5)  # h = 1.5
    assert percentile(values, 95) == pytest.approx(3.85)  # h = 2.85 -> 3 + 0.85 * (4 - 3)
    assert percentile(values, 100) == 4.0


def test_percentile_odd_count_median() -> None:
    assert percentile([10.0, 30.0, 20.0], 50) == 20.0


def test_percentile_single_value() -> None:
    assert percentile([7.5], 0) == 7.5
    assert percentile([7.5], 95) == 7.5


@pytest.mark.parametrize("count", [1, 2, 3, 7, 20])
@pytest.mark.parametrize("q", [0, 2.5, 50, 95, 97.5, 100])
def test_percentile_position_matches_percentile(count: int, q: float) -> None:
    values = sorted(random.Random(count).uniform(0.1, 5.0) for _ in range(count))
    below, above, weight = percentile_position(count, q)
    assert 0 <= below <= above <= min(below + 1, count - 1)
    assert interpolate(values[below], values[above], weight) == percentile(values, q)


def test_percentile_position_guards() -> None:
    # 4 values at q = 95: h = 3 * 0.95 = 2.85, so x[2] + 0.85 * (x[3] - x[2]).
    below, above, weight = percentile_position(4, 95)
    assert (below, above) == (2, 3)
    assert weight == pytest.approx(0.85)
    with pytest.raises(ValueError, match="empty"):
        percentile_position(0, 50)
    with pytest.raises(ValueError, match="out of range"):
        percentile_position(3, 100.5)


def test_percentile_empty_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


@pytest.mark.parametrize("q", [-1.0, 100.5])
def test_percentile_q_out_of_range(q: float) -> None:
    with pytest.raises(ValueError, match="out of range"):
        percentile([1.0, 2.0], q)


# --- paired bootstrap --------------------------------------------------------------


def test_bootstrap_identical_outcomes() -> None:
    assert paired_bootstrap_diff([1, 0, 1, 1], [1, 0, 1, 1]) == (0.0, 0.0)


def test_bootstrap_all_discordant_one_way() -> None:
    assert paired_bootstrap_diff([1, 1, 1], [0, 0, 0]) == (1.0, 1.0)


def test_bootstrap_matches_normal_approximation() -> None:
    # 100 pairs: 30 with a - b = +1, 10 with -1, 60 with 0. Mean 0.2, E[d^2] = 0.4,
    # variance 0.4 - 0.04 = 0.36, standard error 0.6 / sqrt(100) = 0.06, so the normal
    # 95% interval is 0.2 +/- 1.96 * 0.06 = (0.0824, 0.3176). The bootstrap agrees to Monte Carlo error.
    a = [1] * 30 + [0] * 10 + [1] * 30 + [0] * 30
    b = [0] * 30 + [1] * 10 + [1] * 30 + [0] * 30
    lower, upper = paired_bootstrap_diff(a, b, resamples=4000, seed=7)
    assert lower == pytest.approx(0.0824, abs=0.025)
    assert upper == pytest.approx(0.3176, abs=0.025)
    assert lower < 0.2 < upper


def test_bootstrap_general_values() -> None:
    # Differences that are not -1, 0 or 1 take the index-resampling path. Differences
    # [0.5, 0.5, 0.5] have no spread, so every resampled mean is 0.5.
    assert paired_bootstrap_diff([1.0, 1.0, 1.0], [0.5, 0.5, 0.5]) == (0.5, 0.5)


def test_bootstrap_paths_agree() -> None:
    # Scaling 0/1 outcomes by 0.5 forces the index-resampling path; its interval, scaled
    # back, matches the multinomial path's up to Monte Carlo error.
    a = [1] * 30 + [0] * 10 + [1] * 30 + [0] * 30
    b = [0] * 30 + [1] * 10 + [1] * 30 + [0] * 30
    fast = paired_bootstrap_diff(a, b, resamples=4000, seed=1)
    slow = paired_bootstrap_diff([x * 0.5 for x in a], [y * 0.5 for y in b], resamples=4000, seed=2)
    assert fast[0] == pytest.approx(slow[0] * 2, abs=0.02)
    assert fast[1] == pytest.approx(slow[1] * 2, abs=0.02)


def test_binomial_draws_match_pmf() -> None:
    # Binomial(5, 0.3): P(k) = C(5, k) 0.3^k 0.7^(5-k) = 0.16807, 0.36015, 0.30870, 0.13230, 0.02835, 0.00243.
    # With 100,000 draws the standard error of each share is at most 0.0016, so 0.006 is about 4 sigma.
    rng = random.Random(11)
    draws = [_binomial(rng, 5, 0.3) for _ in range(100_000)]
    expected = [0.16807, 0.36015, 0.30870, 0.13230, 0.02835, 0.00243]
    for k, probability in enumerate(expected):
        assert draws.count(k) / len(draws) == pytest.approx(probability, abs=0.006)


def test_binomial_edge_probabilities() -> None:
    rng = random.Random(0)
    assert _binomial(rng, 10, 0.0) == 0
    assert _binomial(rng, 10, 1.0) == 10
    assert _binomial(rng, 0, 0.5) == 0


def test_bootstrap_is_reproducible() -> None:
    a = [1, 0, 1, 1, 0, 1, 0, 1]
    b = [0, 0, 1, 0, 1, 1, 0, 0]
    first = paired_bootstrap_diff(a, b, seed=3)
    assert paired_bootstrap_diff(a, b, seed=3) == first
    assert -1.0 <= first[0] <= first[1] <= 1.0


def test_bootstrap_length_mismatch() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        paired_bootstrap_diff([1, 0], [1])


def test_bootstrap_empty() -> None:
    with pytest.raises(ValueError, match="at least one pair"):
        paired_bootstrap_diff([], [])


def test_bootstrap_invalid_confidence() -> None:
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap_diff([1], [0], confidence=1.0)


# 37 pairs: 11 both correct, 9 only b correct (difference -1), 4 only a correct (+1), 13 neither.
GOLDEN_A = [1] * 11 + [0] * 9 + [1] * 4 + [0] * 13
GOLDEN_B = [1] * 11 + [1] * 9 + [0] * 4 + [0] * 13


def test_bootstrap_golden_intervals() -> None:
    # Intervals of the list-based implementation that preceded `paired_bootstrap_counts`. The
    # counts-based one must reproduce them float for float, so reports keep their figures.
    assert paired_bootstrap_diff(GOLDEN_A, GOLDEN_B, resamples=1000, seed=7) == (-0.32432432432432434, 0.05405405405405406)
    assert paired_bootstrap_diff(GOLDEN_B, GOLDEN_A, resamples=333, seed=0, confidence=0.9) == (
        -0.02702702702702703, 0.2810810810810805)


@pytest.mark.parametrize(("resamples", "seed", "confidence"), [(1000, 7, 0.95), (333, 0, 0.9), (1, 5, 0.5)])
def test_bootstrap_counts_equal_lists(resamples: int, seed: int, confidence: float) -> None:
    from_lists = paired_bootstrap_diff(GOLDEN_A, GOLDEN_B, resamples=resamples, seed=seed, confidence=confidence)
    from_counts = paired_bootstrap_counts(37, 4, 9, resamples=resamples, seed=seed, confidence=confidence)
    assert from_counts == from_lists


@pytest.mark.parametrize(
    ("pairs", "plus", "minus", "message"),
    [(0, 0, 0, "at least one pair"), (3, -1, 0, "invalid difference counts"), (3, 2, 2, "invalid difference counts")],
)
def test_bootstrap_counts_invalid(pairs: int, plus: int, minus: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_counts(pairs, plus, minus)


def test_bootstrap_counts_invalid_settings() -> None:
    with pytest.raises(ValueError, match="resamples"):
        paired_bootstrap_counts(3, 1, 1, resamples=0)
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap_counts(3, 1, 1, confidence=0.0)


# --- exact McNemar -----------------------------------------------------------------


def test_mcnemar_one_and_nine() -> None:
    # n = 10, lower tail P(X <= 1) = (C(10,0) + C(10,1)) / 2^10 = 11 / 1024; two-sided 22 / 1024 = 0.021484.
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024, rel=1e-12)
    assert mcnemar_exact(1, 9) == pytest.approx(0.02148, abs=5e-6)


def test_mcnemar_is_symmetric() -> None:
    assert mcnemar_exact(9, 1) == mcnemar_exact(1, 9)


def test_mcnemar_other_hand_values() -> None:
    # b=0, c=6: 2 * 1 / 64 = 0.03125.
    assert mcnemar_exact(0, 6) == pytest.approx(0.03125, rel=1e-12)
    # b=2, c=8: 2 * (1 + 10 + 45) / 1024 = 0.109375.
    assert mcnemar_exact(2, 8) == pytest.approx(0.109375, rel=1e-12)
    # b=1, c=0: 2 * 1 / 2 = 1.
    assert mcnemar_exact(1, 0) == 1.0


def test_mcnemar_balanced_is_capped_at_one() -> None:
    # b=c=5: 2 * 638 / 1024 = 1.246, capped to 1.
    assert mcnemar_exact(5, 5) == 1.0


def test_mcnemar_no_discordant_items() -> None:
    assert mcnemar_exact(0, 0) == 1.0


def test_mcnemar_large_counts_do_not_overflow() -> None:
    # 2 / 2^3000 is below the smallest float, so the result rounds to 0 instead of raising.
    assert mcnemar_exact(0, 3000) == 0.0
    # b=c=1500: two-sided p of a perfectly balanced split is capped at 1.
    assert mcnemar_exact(1500, 1500) == 1.0


def test_mcnemar_negative_count() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mcnemar_exact(-1, 3)


def test_mcnemar_matches_statsmodels() -> None:
    # statsmodels 0.15.0: mcnemar([[5, 1], [9, 5]], exact=True).pvalue = 0.021484375 (= 22 / 1024).
    assert mcnemar_exact(1, 9) == 0.021484375


def test_wilson_matches_statsmodels() -> None:
    # statsmodels 0.15.0: proportion_confint(18, 20, method="wilson") = (0.6989663547715127, 0.9721335187862318).
    lower, upper = wilson_interval(18, 20)
    assert lower == pytest.approx(0.6989663547715127, rel=1e-9)
    assert upper == pytest.approx(0.9721335187862318, rel=1e-9)


# --- mean over subtasks ------------------------------------------------------------


def test_subtask_mean_one_subtask_is_wilson() -> None:
    # With one subtask V = p(1 - p) / n, so n_eff = n and the interval is Wilson's for 2/3:
    # statsmodels 0.15.0 gives (0.2076596008020477, 0.9385080552796037).
    mean, (lower, upper) = subtask_mean_interval([(2, 3)])
    assert mean == pytest.approx(2 / 3)
    assert lower == pytest.approx(0.2076596008020477, rel=1e-9)
    assert upper == pytest.approx(0.9385080552796037, rel=1e-9)


def test_subtask_mean_below_cap() -> None:
    # Subtasks 1/2 and 10/20: mean 0.5, V = (0.25 / 2 + 0.25 / 20) / 4 = 0.034375,
    # n_eff = 0.25 / 0.034375 = 7.2727 (below the 22 items). statsmodels 0.15.0:
    # proportion_confint(0.5 * 7.2727, 7.2727, method="wilson") = (0.20604607514550505, 0.7939539248544949).
    mean, (lower, upper) = subtask_mean_interval([(1, 2), (10, 20)])
    assert mean == 0.5
    assert lower == pytest.approx(0.20604607514550505, rel=1e-9)
    assert upper == pytest.approx(0.7939539248544949, rel=1e-9)


def test_subtask_mean_capped_at_items() -> None:
    # Subtasks 3/4, 1/4, 9/10: mean (0.75 + 0.25 + 0.9) / 3 = 0.633333,
    # V = (0.046875 + 0.046875 + 0.009) / 9 = 0.0114167, p(1 - p) / V = 20.34 > 18 items, so n_eff = 18.
    # statsmodels 0.15.0: proportion_confint(0.633333 * 18, 18, method="wilson") = (0.40643009000607777, 0.8133354503548136).
    mean, (lower, upper) = subtask_mean_interval([(3, 4), (1, 4), (9, 10)])
    assert mean == pytest.approx(0.6333333333333333)
    assert lower == pytest.approx(0.40643009000607777, rel=1e-9)
    assert upper == pytest.approx(0.8133354503548136, rel=1e-9)


def test_subtask_mean_differs_from_item_mean() -> None:
    # Subtasks 2/10 and 5/5: the mean over subtasks is (0.2 + 1.0) / 2 = 0.6, the mean over items 7/15 = 0.467.
    # V = 0.016 / 4 = 0.004, n_eff = 0.24 / 0.004 = 60, capped at 15 items.
    # statsmodels 0.15.0: proportion_confint(9, 15, method="wilson") = (0.35746830120624595, 0.8017550385865843).
    mean, (lower, upper) = subtask_mean_interval([(2, 10), (5, 5)])
    assert mean == pytest.approx(0.6)
    assert lower == pytest.approx(0.35746830120624595, rel=1e-9)
    assert upper == pytest.approx(0.8017550385865843, rel=1e-9)


def test_subtask_mean_none_correct() -> None:
    # Every subtask at 0%: V = 0, so n_eff = 6 items and the interval is Wilson's for 0/6.
    # statsmodels 0.15.0: proportion_confint(0, 6, method="wilson") = (0.0, 0.39033428790216546).
    mean, (lower, upper) = subtask_mean_interval([(0, 2), (0, 4)])
    assert mean == 0.0
    assert lower == 0.0
    assert upper == pytest.approx(0.39033428790216546, rel=1e-9)


def test_subtask_mean_all_correct() -> None:
    # statsmodels 0.15.0: proportion_confint(6, 6, method="wilson") = (0.6096657120978346, 1.0).
    mean, (lower, upper) = subtask_mean_interval([(2, 2), (4, 4)])
    assert mean == 1.0
    assert lower == pytest.approx(0.6096657120978346, rel=1e-9)
    assert upper == 1.0


def test_subtask_mean_single_item() -> None:
    # statsmodels 0.15.0: proportion_confint(1, 1, method="wilson") = (0.2065493143772374, 1.0).
    mean, (lower, upper) = subtask_mean_interval([(1, 1)])
    assert mean == 1.0
    assert lower == pytest.approx(0.2065493143772374, rel=1e-9)
    assert upper == 1.0


def test_subtask_mean_zero_variance_interior() -> None:
    # Subtasks at 0% and 100% give V = 0 with a mean of 0.5 strictly inside (0, 1); n_eff falls back
    # to the 4 items, so the interval is Wilson's for 2/4.
    # statsmodels 0.15.0: proportion_confint(2, 4, method="wilson") = (0.15003898915214947, 0.8499610108478506).
    mean, (lower, upper) = subtask_mean_interval([(0, 2), (2, 2)])
    assert mean == 0.5
    assert lower == pytest.approx(0.15003898915214947, rel=1e-9)
    assert upper == pytest.approx(0.8499610108478506, rel=1e-9)


@pytest.mark.parametrize("counts", [[], [(0, 0)], [(3, 2)], [(-1, 2)]])
def test_subtask_mean_invalid_counts(counts: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError):
        subtask_mean_interval(counts)


# --- Holm ------------------------------------------------------------------------------


def test_holm_matches_statsmodels() -> None:
    # statsmodels 0.15.0: multipletests([0.01, 0.04, 0.03, 0.005], method="holm")[1] = [0.03, 0.06, 0.06, 0.02].
    # By hand: sorted 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> running max 0.06.
    adjusted = holm_adjust([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02], rel=1e-12)


def test_holm_ties_and_cap() -> None:
    # statsmodels 0.15.0: [0.02, 0.02, 0.5] -> [0.06, 0.06, 0.5]; [0.3, 0.6, 0.9] -> [0.9, 1.0, 1.0].
    assert holm_adjust([0.02, 0.02, 0.5]) == pytest.approx([0.06, 0.06, 0.5], rel=1e-12)
    assert holm_adjust([0.3, 0.6, 0.9]) == pytest.approx([0.9, 1.0, 1.0], rel=1e-12)


def test_holm_two_verticals() -> None:
    # statsmodels 0.15.0: multipletests([22 / 1024, 1.0], method="holm")[1] = [0.04296875, 1.0].
    assert holm_adjust([22 / 1024, 1.0]) == [0.04296875, 1.0]


def test_holm_single_and_empty() -> None:
    assert holm_adjust([0.04]) == [0.04]
    assert holm_adjust([]) == []


@pytest.mark.parametrize("p", [-0.1, 1.5, math.nan])
def test_holm_invalid_p(p: float) -> None:
    with pytest.raises(ValueError, match="invalid"):
        holm_adjust([0.1, p])


# --- pass@k ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        # 1 - C(3, 2) / C(5, 2) = 1 - 3 / 10.
        (5, 2, 2, 0.7),
        # k = 1 is the share correct: 3 / 10.
        (10, 3, 1, 0.3),
        # 1 - C(7, 5) / C(10, 5) = 1 - 21 / 252 = 0.916667.
        (10, 3, 5, 11 / 12),
        # scipy 1.17.1: 1 - comb(187, 100, exact=True) / comb(200, 100, exact=True) = 0.9999194971988055.
        (200, 13, 100, 0.9999194971988055),
        (5, 0, 3, 0.0),  # none correct
        (5, 5, 5, 1.0),  # all correct
        (3, 1, 3, 1.0),  # fewer wrong samples (2) than k (3), so some drawn sample is correct
        (1, 1, 1, 1.0),  # one sample
        (1, 0, 1, 0.0),
    ],
)
def test_pass_at_k_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, rel=1e-12)


def test_pass_at_k_rejects_k_above_n() -> None:
    with pytest.raises(ValueError, match="pass@5 needs at least 5 samples"):
        pass_at_k(3, 1, 5)


@pytest.mark.parametrize(("n", "c", "k"), [(0, 0, 1), (5, 6, 1), (5, -1, 1), (5, 2, 0)])
def test_pass_at_k_invalid_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_mean_pass_at_k() -> None:
    # Items (5, 2) and (5, 0) at k = 2: (0.7 + 0.0) / 2 = 0.35.
    assert mean_pass_at_k([(5, 2), (5, 0)], 2) == pytest.approx(0.35)


def test_mean_pass_at_k_from_histogram() -> None:
    # Three items (5, 2) and one (5, 0) at k = 2: (3 * 0.7 + 0.0) / 4 = 0.525.
    assert mean_pass_at_k_from_histogram({(5, 2): 3, (5, 0): 1}, 2) == pytest.approx(0.525)
    assert mean_pass_at_k([(5, 2), (5, 0), (5, 2), (5, 2)], 2) == mean_pass_at_k_from_histogram({(5, 2): 3, (5, 0): 1}, 2)


def test_mean_pass_at_k_from_histogram_guards() -> None:
    with pytest.raises(ValueError, match="no items"):
        mean_pass_at_k_from_histogram({}, 1)
    with pytest.raises(ValueError, match="at least 1"):
        mean_pass_at_k_from_histogram({(5, 2): 0}, 1)
    with pytest.raises(ValueError, match="needs at least 3 samples"):
        mean_pass_at_k_from_histogram({(5, 2): 1, (2, 1): 4}, 3)


def test_mean_pass_at_k_guards() -> None:
    with pytest.raises(ValueError, match="no items"):
        mean_pass_at_k([], 1)
    with pytest.raises(ValueError, match="needs at least 3 samples"):
        mean_pass_at_k([(5, 2), (2, 1)], 3)
