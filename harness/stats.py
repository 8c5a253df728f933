"""Interval estimates and tests for accuracy figures, in the standard library only.

Sources of the formulas:
- Wilson score interval: E. B. Wilson, "Probable inference, the law of succession,
  and statistical inference", JASA 22(158), 209-212 (1927), recommended for general use by
  Brown, Cai and DasGupta, "Interval estimation for a binomial proportion",
  Statistical Science 16(2), 101-133 (2001).
- Percentile: linear interpolation between order statistics, definition 7 of
  Hyndman and Fan, "Sample quantiles in statistical packages", The American
  Statistician 50(4), 361-365 (1996). NumPy's default method 'linear' is the same definition.
- Exact McNemar test: the two-sided binomial test of min(b, c) against Binomial(b + c, 1/2),
  the form statsmodels documents for `mcnemar(exact=True)`.
- Holm's step-down adjustment: S. Holm, "A simple sequentially rejective multiple test
  procedure", Scandinavian Journal of Statistics 6(2), 65-70 (1979); the adjusted p-values are
  the ones statsmodels returns from `multipletests(method="holm")`.
- Mean over subtasks: the stratified mean with equal weights and its variance
  sum_g p_g (1 - p_g) / n_g / G^2 (W. G. Cochran, "Sampling Techniques", 3rd ed., Wiley 1977,
  chapter 5). The interval is the Wilson interval at the effective sample size
  p (1 - p) / variance, the "modified Wilson" interval of Korn and Graubard (1998) that
  SAS PROC SURVEYFREQ documents for survey estimates.
- pass@k: the unbiased estimator 1 - C(n - c, k) / C(n, k) of M. Chen et al., "Evaluating
  Large Language Models Trained on Code", arXiv:2107.03374 (2021).
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence

logger = logging.getLogger(__name__)

Z_95 = 1.959963984540054
"""Two-sided 95% quantile of the standard normal distribution."""


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Compute the Wilson score interval of a binomial proportion.

    The interval stays inside [0, 1] and is exact at the bounds: with 0 successes the
    lower limit is 0, with n successes the upper limit is 1.

    Args:
        successes: number of successes, 0 <= successes <= n.
        n: number of trials.
        z: standard normal quantile; the default gives a two-sided 95% interval.

    Returns:
        (lower, upper); (nan, nan) when n = 0, because a proportion of no trials is undefined.

    Raises:
        ValueError: a count is negative or successes exceeds n.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"invalid counts for a proportion: successes={successes}, n={n}; need 0 <= successes <= n")
    if n == 0:
        return (math.nan, math.nan)
    return _wilson_bounds(successes / n, float(n), z, at_zero=successes == 0, at_one=successes == n)


def _wilson_bounds(p: float, n: float, z: float, *, at_zero: bool, at_one: bool) -> tuple[float, float]:
    """Return the Wilson interval of a proportion p observed on n trials; n need not be whole."""
    z2 = z * z
    denominator = 1.0 + z2 / n
    center = (p + z2 / (2 * n)) / denominator
    half_width = (z / denominator) * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n))
    # At p = 0 or p = 1 the center and half width are equal up to rounding; pin the exact bound.
    lower = 0.0 if at_zero else max(0.0, center - half_width)
    upper = 1.0 if at_one else min(1.0, center + half_width)
    return (lower, upper)


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile of values by linear interpolation between order statistics.

    With the values sorted as x[0] <= ... <= x[n-1] and h = (n - 1) * q / 100, the result is
    x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]) (Hyndman and Fan definition 7,
    NumPy's default). So q = 0 gives the minimum, q = 100 the maximum and q = 50 the median.

    Raises:
        ValueError: values is empty or q is outside [0, 100].
    """
    if not values:
        raise ValueError("percentile of an empty sequence is undefined; pass at least one value")
    ordered = sorted(values)
    below, above, weight = percentile_position(len(ordered), q)
    return interpolate(ordered[below], ordered[above], weight)


def percentile_position(count: int, q: float) -> tuple[int, int, float]:
    """Locate the q-th percentile of `count` sorted values, as `percentile` defines it.

    Returns (below, above, weight): the percentile is x[below] + weight * (x[above] - x[below]),
    which `interpolate` computes. A caller that can fetch two order statistics, for example
    from an index, gets the same float as `percentile` without holding every value.

    Raises:
        ValueError: count < 1 or q is outside [0, 100].
    """
    if count < 1:
        raise ValueError("percentile of an empty sequence is undefined; pass at least one value")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile q={q} is out of range; use a value from 0 to 100")
    h = (count - 1) * q / 100.0
    below = math.floor(h)
    above = min(below + 1, count - 1)
    return below, above, h - below


def interpolate(lower: float, upper: float, weight: float) -> float:
    """Return lower + weight * (upper - lower), the linear interpolation `percentile` uses."""
    return lower + weight * (upper - lower)


def paired_bootstrap_diff(
    a: Sequence[float],
    b: Sequence[float],
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Compute a percentile bootstrap interval of mean(a - b) over paired observations.

    Items are resampled with replacement, keeping each (a[i], b[i]) pair together, so the
    interval accounts for the correlation between two models scored on the same items.
    Intended for 0/1 outcomes (1 = correct), but any numbers work. When every difference
    is -1, 0 or 1, the resampled counts are drawn from their multinomial distribution, which
    gives the same distribution at a cost that barely grows with the number of pairs.

    Args:
        a, b: paired outcomes of equal, non-zero length.
        resamples: number of bootstrap resamples.
        seed: seed of the private random generator, so a report is reproducible.
        confidence: coverage of the two-sided interval.

    Returns:
        (lower, upper) of the mean difference, in the units of the inputs.

    Raises:
        ValueError: the sequences are empty or of different lengths, resamples < 1,
            or confidence is not strictly between 0 and 1.
    """
    if len(a) != len(b):
        raise ValueError(f"paired outcomes need equal lengths, got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("paired bootstrap needs at least one pair")

    differences = [x - y for x, y in zip(a, b, strict=True)]
    if all(d in (-1, 0, 1) for d in differences):
        plus = sum(1 for d in differences if d == 1)
        minus = sum(1 for d in differences if d == -1)
        return paired_bootstrap_counts(len(differences), plus, minus, resamples, seed, confidence)
    _check_bootstrap_settings(resamples, confidence)
    rng = random.Random(seed)
    n = len(differences)
    means = [sum(rng.choices(differences, k=n)) / n for _ in range(resamples)]
    return _percentile_interval(means, confidence)


def paired_bootstrap_counts(
    pairs: int,
    plus: int,
    minus: int,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Compute the interval of `paired_bootstrap_diff` for 0/1 outcomes from counts alone.

    With 0/1 outcomes each paired difference is +1 (only the first correct), -1 (only the
    second correct) or 0, so the bootstrap depends only on those counts. For the same counts,
    resamples, seed and confidence, the result is the same float pair that
    `paired_bootstrap_diff` returns for the outcome lists.

    Args:
        pairs: number of pairs, at least 1.
        plus: pairs whose difference is +1.
        minus: pairs whose difference is -1.
        resamples, seed, confidence: as in `paired_bootstrap_diff`.

    Raises:
        ValueError: pairs < 1, plus or minus negative or together above pairs, resamples < 1,
            or confidence is not strictly between 0 and 1.
    """
    if pairs < 1:
        raise ValueError("paired bootstrap needs at least one pair")
    if plus < 0 or minus < 0 or plus + minus > pairs:
        raise ValueError(f"invalid difference counts plus={plus}, minus={minus} for {pairs} pairs; need plus + minus <= pairs")
    _check_bootstrap_settings(resamples, confidence)
    means = _resample_ternary_means(pairs, plus, minus, resamples, random.Random(seed))
    return _percentile_interval(means, confidence)


def _check_bootstrap_settings(resamples: int, confidence: float) -> None:
    if resamples < 1:
        raise ValueError(f"resamples={resamples} is invalid; use at least 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence} is invalid; use a value strictly between 0 and 1")


def _percentile_interval(means: Sequence[float], confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0 * 100.0
    return (percentile(means, tail), percentile(means, 100.0 - tail))


def _resample_ternary_means(n: int, plus: int, minus: int, resamples: int, rng: random.Random) -> list[float]:
    """Draw bootstrap means of n differences that are all -1, 0 or 1, of which `plus` are +1 and `minus` are -1.

    Resampling n items with replacement gives multinomial counts of +1 and -1, so two
    binomial draws replace n index draws per resample. The +1 count is Binomial(n, p_plus).
    Given that count, the -1 count is Binomial(rest, p_minus / (1 - p_plus)).
    """
    p_plus, p_minus = plus / n, minus / n
    means = []
    for _ in range(resamples):
        drawn_plus = _binomial(rng, n, p_plus)
        rest = n - drawn_plus
        drawn_minus = _binomial(rng, rest, p_minus / (1.0 - p_plus)) if p_plus < 1.0 else 0
        means.append((drawn_plus - drawn_minus) / n)
    return means


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """Draw from Binomial(n, p) by inversion, searching outward from the mode.

    The support is visited in the order mode, mode + 1, mode - 1, mode + 2, ... while one
    uniform number is compared with the running sum of probabilities. Any fixed visiting
    order gives an exact draw. Starting at the mode makes the expected number of steps grow
    with the standard deviation of the distribution instead of its mean.
    """
    if n == 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    mode = min(n, math.floor((n + 1) * p))
    log_mode = (
        math.lgamma(n + 1) - math.lgamma(mode + 1) - math.lgamma(n - mode + 1)
        + mode * math.log(p) + (n - mode) * math.log1p(-p)
    )
    odds = p / (1.0 - p)
    u = rng.random() - math.exp(log_mode)
    if u <= 0.0:
        return mode
    up, down = mode, mode
    pmf_up = pmf_down = math.exp(log_mode)
    while up < n or down > 0:
        if up < n:
            pmf_up *= (n - up) / (up + 1) * odds  # P(k+1) / P(k) = (n - k) / (k + 1) * p / (1 - p)
            up += 1
            u -= pmf_up
            if u <= 0.0:
                return up
        if down > 0:
            pmf_down *= down / (n - down + 1) / odds  # P(k-1) / P(k) = k / (n - k + 1) * (1 - p) / p
            down -= 1
            u -= pmf_down
            if u <= 0.0:
                return down
    # Rounding left the probabilities summing to slightly less than u; the mode is the likeliest value.
    return mode


def mcnemar_exact(b: int, c: int) -> float:
    """Return the two-sided exact McNemar p-value for discordant counts b and c.

    Under the null hypothesis each discordant item goes either way with probability 1/2,
    so min(b, c) follows Binomial(b + c, 1/2). The p-value is twice the lower tail,
    capped at 1; it is 1.0 when there are no discordant items.

    Raises:
        ValueError: a count is negative.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1))
    # Integer true division is correctly rounded, so large n neither overflows nor loses the tail.
    return min(1.0, (2 * tail) / (2**n))


def subtask_mean_interval(counts: Sequence[tuple[int, int]], z: float = Z_95) -> tuple[float, tuple[float, float]]:
    """Compute the mean over subtasks of their accuracies, with a 95% interval of that mean.

    Each subtask weighs 1/G whatever its size. The variance of the estimate is the stratified
    sum V = sum_g p_g (1 - p_g) / n_g / G^2. The interval is the Wilson interval of the mean at
    the effective sample size n_eff = p (1 - p) / V, capped at the number of items n so that the
    interval is never narrower than a simple random sample of all items would give. When V is 0
    (every subtask at 0% or 100%), n_eff is n. With one subtask the result is the Wilson interval
    of that subtask, because then n_eff = n exactly.

    Args:
        counts: (correct, answered) of each subtask; every subtask needs answered >= 1.
        z: standard normal quantile; the default gives a two-sided 95% interval.

    Returns:
        (mean, (lower, upper)), all fractions.

    Raises:
        ValueError: counts is empty, or a subtask has no answered item or invalid counts.
    """
    if not counts:
        raise ValueError("the mean over subtasks needs at least one subtask with an answered item")
    for correct, answered in counts:
        if answered < 1 or not 0 <= correct <= answered:
            raise ValueError(
                f"invalid subtask counts correct={correct}, answered={answered}; need 0 <= correct <= answered and answered >= 1"
            )
    groups = len(counts)
    shares = [correct / answered for correct, answered in counts]
    mean = sum(shares) / groups
    variance = sum(p * (1.0 - p) / answered for p, (_, answered) in zip(shares, counts)) / groups**2
    items = sum(answered for _, answered in counts)
    effective = min(float(items), mean * (1.0 - mean) / variance) if variance > 0 else float(items)
    at_zero = all(correct == 0 for correct, _ in counts)
    at_one = all(correct == answered for correct, answered in counts)
    return mean, _wilson_bounds(mean, effective, z, at_zero=at_zero, at_one=at_one)


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Adjust p-values for multiple tests with Holm's step-down method.

    With the m p-values sorted as p(1) <= ... <= p(m), the adjusted value of p(i) is
    max over j <= i of min(1, (m - j + 1) p(j)). Rejecting every hypothesis whose adjusted
    value is below alpha controls the family-wise error rate at alpha. Results keep the
    order of the input.

    Raises:
        ValueError: a p-value is outside [0, 1] or not a number.
    """
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-value {p} is invalid; p-values lie in [0, 1]")
    count = len(p_values)
    order = sorted(range(count), key=lambda index: p_values[index])
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        # The running maximum keeps the adjusted values in the same order as the raw ones.
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def pass_at_k(n: int, c: int, k: int) -> float:
    """Estimate pass@k of one item from n samples of which c are correct, without bias.

    The estimate is 1 - C(n - c, k) / C(n, k): one minus the chance that k samples drawn
    without replacement from the n are all wrong. It is 1 when fewer than k samples are wrong.

    Raises:
        ValueError: k > n, because n samples cannot estimate pass@k for a larger k;
            or n < 1, k < 1, or c outside [0, n].
    """
    if n < 1 or k < 1:
        raise ValueError(f"pass@k needs n >= 1 samples and k >= 1, got n={n}, k={k}")
    if not 0 <= c <= n:
        raise ValueError(f"correct count c={c} is invalid for n={n} samples; need 0 <= c <= n")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples of the item, but it has {n}; use k <= {n} or run more repeats")
    if n - c < k:
        return 1.0
    # Integer true division is correctly rounded, so large n neither overflows nor loses precision.
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean_pass_at_k(items: Sequence[tuple[int, int]], k: int) -> float:
    """Average pass@k over items given as (samples, correct) pairs.

    Raises:
        ValueError: items is empty, or any item fails the checks of `pass_at_k`
            (in particular an item with fewer than k samples).
    """
    if not items:
        raise ValueError("pass@k over no items is undefined; pass at least one item")
    return mean_pass_at_k_from_histogram(Counter((n, c) for n, c in items), k)


def mean_pass_at_k_from_histogram(histogram: Mapping[tuple[int, int], int], k: int) -> float:
    """Average pass@k over items given as a histogram {(samples, correct): number of items}.

    The mean over items depends only on how many items share each (samples, correct) pair,
    so a run need not keep one entry per item. The terms are added in sorted order of the
    pairs, so the result does not depend on the order in which items were read.

    Raises:
        ValueError: the histogram is empty, an item count is below 1, or a pair fails the
            checks of `pass_at_k` (in particular an item with fewer than k samples).
    """
    if not histogram:
        raise ValueError("pass@k over no items is undefined; pass at least one item")
    total = 0
    weighted = 0.0
    for (n, c), items in sorted(histogram.items()):
        if items < 1:
            raise ValueError(f"histogram entry ({n}, {c}) has {items} items; every entry needs at least 1")
        weighted += items * pass_at_k(n, c, k)
        total += items
    return weighted / total
