"""A specialized model against a frontier model, per vertical, on the items both answered.

Accuracy figures are paired (`harness.compare.paired`); cost figures come from each model's
figures on the whole vertical. The McNemar p-values of one (specialized, frontier) pair are
adjusted by Holm's method across the verticals compared.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from harness.compare.paired import PairedCounts, holm_or_none, paired_difference_from_counts

if TYPE_CHECKING:
    # Imported for annotations only: harness.aggregate imports this module at load time.
    from harness.aggregate import GroupStats, ModelInfo

logger = logging.getLogger(__name__)

SIGNIFICANCE_LEVEL = 0.05
"""A difference is marked significant when its Holm-adjusted McNemar p-value is below this."""


@dataclass(frozen=True)
class Comparison:
    """A specialized model against a frontier model on one vertical, on the items both answered."""

    vertical: str
    specialized: str
    frontier: str
    paired_items: int
    """Items (repeat 0) that both models answered, i.e. neither outcome is `error`."""
    accuracy_specialized: float | None
    accuracy_frontier: float | None
    advantage_points: float | None
    """(acc_S - acc_F) in percentage points."""
    advantage_relative: float | None
    """(acc_S - acc_F) / acc_F as a fraction; None when acc_F = 0."""
    advantage_interval_points: tuple[float, float] | None
    """Paired bootstrap 95% interval of acc_S - acc_F, in percentage points."""
    specialized_only_correct: int
    """Discordant items that only the specialized model answered correctly."""
    frontier_only_correct: int
    mcnemar_p: float | None
    mcnemar_p_holm: float | None
    """McNemar p-value adjusted by Holm's method across the verticals of this model pair."""
    cost_per_1k_specialized: float | None
    """From the model's figures on the whole vertical."""
    cost_per_1k_frontier: float | None
    cost_differential: float | None
    """(c_S - c_F) / c_F as a fraction; None when either model is unpriced or c_F = 0."""
    value_per_dollar_specialized: float | None
    value_per_dollar_frontier: float | None
    value_per_dollar_improvement: float | None
    """vpd_S / vpd_F - 1 as a fraction."""

    @property
    def significant(self) -> bool:
        """Tell whether the Holm-adjusted p-value is below `SIGNIFICANCE_LEVEL`."""
        return self.mcnemar_p_holm is not None and self.mcnemar_p_holm < SIGNIFICANCE_LEVEL


def relative_change(value: float | None, baseline: float | None) -> float | None:
    """Return value / baseline - 1, or None when either is missing or the baseline is 0."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline - 1.0


PairKey = tuple[str, str, str]
"""(vertical, specialized model id, frontier model id) of one comparison."""

NO_COMMON_ITEMS = PairedCounts(0, 0, 0, 0)


def compare(
    vertical_stats: Iterable[GroupStats],
    tables: Mapping[PairKey, PairedCounts],
    roster: Iterable[ModelInfo],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[Comparison, ...]:
    """Compare each specialized model with each frontier model on every vertical it targets.

    A pair is compared only when both models have samples on the vertical. The McNemar
    p-values of one (specialized, frontier) pair are adjusted by Holm's method across the
    verticals compared, which are that pair's family of tests.

    Args:
        vertical_stats: per (model, vertical) figures.
        tables: per pair of `candidate_pairs`, the 2x2 table of the two models' repeat-0 outcomes
            on the items of the vertical that both answered (neither outcome `error`). A pair
            missing here has no common items.
        roster: the models of the run.
        resamples: bootstrap resamples per comparison.
        seed: bootstrap seed.
    """
    stats = {(s.model_id, s.group): s for s in vertical_stats}
    comparisons = []
    for vertical, special, baseline in candidate_pairs(roster):
        s_stats, f_stats = stats.get((special, vertical)), stats.get((baseline, vertical))
        if s_stats is None or f_stats is None:
            logger.debug("no comparison of %s with %s on %s: a model has no samples there", special, baseline, vertical)
            continue
        table = tables.get((vertical, special, baseline), NO_COMMON_ITEMS)
        comparisons.append(compare_pair(vertical, s_stats, f_stats, table, resamples=resamples, seed=seed))
    return tuple(sorted(_holm_per_pair(comparisons), key=lambda c: (c.vertical, c.specialized, c.frontier)))


def _holm_per_pair(comparisons: list[Comparison]) -> list[Comparison]:
    """Set the Holm-adjusted p-value of each comparison within its (specialized, frontier) family."""
    families: dict[tuple[str, str], list[Comparison]] = defaultdict(list)
    for comparison in comparisons:
        families[(comparison.specialized, comparison.frontier)].append(comparison)
    adjusted = []
    for family in families.values():
        p_holm = holm_or_none([c.mcnemar_p for c in family])
        adjusted += [replace(c, mcnemar_p_holm=p) for c, p in zip(family, p_holm)]
    return adjusted


def candidate_pairs(roster: Iterable[ModelInfo]) -> Iterator[PairKey]:
    """Yield (vertical, specialized id, frontier id) for every vertical a specialized model targets."""
    roster = tuple(roster)
    frontier = [model.id for model in roster if model.role == "frontier"]
    for special in roster:
        if special.role != "specialized":
            continue
        for vertical in special.verticals:
            for baseline in frontier:
                yield vertical, special.id, baseline


def compare_pair(
    vertical: str,
    specialized: GroupStats,
    frontier: GroupStats,
    table: PairedCounts,
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Compare two models on the items both answered, and their costs on the whole vertical.

    `table` is the 2x2 table of their outcomes on those items, specialized model first.
    The Holm-adjusted p-value is the raw one here, as for a family of one test; `compare`
    adjusts it across the verticals of the pair.
    """
    difference = paired_difference_from_counts(table, resamples=resamples, seed=seed)

    c_s, c_f = specialized.cost_per_1k_tokens, frontier.cost_per_1k_tokens
    v_s, v_f = specialized.value_per_dollar, frontier.value_per_dollar

    return Comparison(
        vertical=vertical,
        specialized=specialized.model_id,
        frontier=frontier.model_id,
        paired_items=difference.items,
        accuracy_specialized=difference.accuracy_first,
        accuracy_frontier=difference.accuracy_second,
        advantage_points=difference.points,
        advantage_relative=relative_change(difference.accuracy_first, difference.accuracy_second),
        advantage_interval_points=difference.interval_points,
        specialized_only_correct=difference.first_only_correct,
        frontier_only_correct=difference.second_only_correct,
        mcnemar_p=difference.p_value,
        mcnemar_p_holm=difference.p_value,
        cost_per_1k_specialized=c_s,
        cost_per_1k_frontier=c_f,
        cost_differential=relative_change(c_s, c_f),
        value_per_dollar_specialized=v_s,
        value_per_dollar_frontier=v_f,
        value_per_dollar_improvement=relative_change(v_s, v_f),
    )
