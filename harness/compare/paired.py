"""Paired accuracy difference of two sets of 0/1 outcomes on the same items.

Both comparisons of verticalbench use it: a specialized model against a frontier model in one
run, and one model in a new run against the same model in a base run. The formulas and their
sources are in `harness.stats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.stats import holm_adjust, mcnemar_exact, paired_bootstrap_counts


@dataclass(frozen=True)
class PairedCounts:
    """The 2x2 table of two 0/1 outcomes on the same items."""

    both_correct: int
    first_only_correct: int
    second_only_correct: int
    neither_correct: int

    def __post_init__(self) -> None:
        if min(self.both_correct, self.first_only_correct, self.second_only_correct, self.neither_correct) < 0:
            raise ValueError(f"paired counts must be non-negative, got {self}")

    @property
    def items(self) -> int:
        """Items in the table."""
        return self.both_correct + self.first_only_correct + self.second_only_correct + self.neither_correct

    @classmethod
    def from_outcomes(cls, first: Sequence[int], second: Sequence[int]) -> PairedCounts:
        """Count the 2x2 table of two lists of 0/1 outcomes on the same items, in the same order.

        Raises:
            ValueError: the lists differ in length, or an outcome is not 0 or 1.
        """
        if len(first) != len(second):
            raise ValueError(f"paired outcomes need equal lengths, got {len(first)} and {len(second)}")
        cells = [[0, 0], [0, 0]]
        for a, b in zip(first, second):
            if a not in (0, 1) or b not in (0, 1):
                raise ValueError(f"paired outcomes must be 0 or 1, got {a!r} and {b!r}")
            cells[int(a)][int(b)] += 1
        return cls(both_correct=cells[1][1], first_only_correct=cells[1][0],
                   second_only_correct=cells[0][1], neither_correct=cells[0][0])


@dataclass(frozen=True)
class PairedDifference:
    """Accuracy of two outcome lists on the same items and their difference, first minus second."""

    items: int
    accuracy_first: float | None
    """None when there are no items."""
    accuracy_second: float | None
    points: float | None
    """(accuracy_first - accuracy_second) in percentage points."""
    interval_points: tuple[float, float] | None
    """Paired percentile bootstrap 95% interval of the difference, in percentage points."""
    first_only_correct: int
    """Discordant items that only the first list has correct."""
    second_only_correct: int
    p_value: float | None
    """Two-sided exact McNemar p-value on the discordant items; None when there are no items."""


def paired_difference(
    first: Sequence[int],
    second: Sequence[int],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> PairedDifference:
    """Compare two lists of 0/1 outcomes (1 = correct) on the same items, in the same order.

    Raises:
        ValueError: the lists differ in length, an outcome is not 0 or 1, or resamples < 1.
    """
    return paired_difference_from_counts(PairedCounts.from_outcomes(first, second), resamples=resamples, seed=seed)


def paired_difference_from_counts(counts: PairedCounts, *, resamples: int = 2000, seed: int = 0) -> PairedDifference:
    """Compare two models from the 2x2 table of their outcomes on the same items.

    Every figure, the bootstrap interval included, depends only on the table, so this gives
    the same result as `paired_difference` on outcome lists with that table.

    Raises:
        ValueError: resamples < 1 while the table has items.
    """
    count = counts.items
    first_only = counts.first_only_correct
    second_only = counts.second_only_correct
    if count == 0:
        return PairedDifference(0, None, None, None, None, 0, 0, None)
    accuracy_first = (counts.both_correct + first_only) / count
    accuracy_second = (counts.both_correct + second_only) / count
    lower, upper = paired_bootstrap_counts(count, first_only, second_only, resamples=resamples, seed=seed)
    return PairedDifference(
        items=count,
        accuracy_first=accuracy_first,
        accuracy_second=accuracy_second,
        points=(accuracy_first - accuracy_second) * 100.0,
        interval_points=(lower * 100.0, upper * 100.0),
        first_only_correct=first_only,
        second_only_correct=second_only,
        p_value=mcnemar_exact(first_only, second_only),
    )


def holm_or_none(p_values: Sequence[float | None]) -> list[float | None]:
    """Apply Holm's adjustment to the p-values that exist, leaving None in place of missing ones."""
    present = [p for p in p_values if p is not None]
    adjusted = iter(holm_adjust(present))
    return [None if p is None else next(adjusted) for p in p_values]
