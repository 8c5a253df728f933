"""Aggregate scored samples per model and vertical or suite, and compare specialized with frontier models.

Definitions (the report footnote states the same):
- accuracy = correct / answered, where answered counts every outcome except `error`.
  `error` marks a provider or harness failure, so it is left out of the denominator and
  counted beside it. `unparseable`, `truncated` and `refused` are failures of the model
  and count as not correct. `accuracy` is the mean over samples, with a Wilson interval.
- mean over subtasks = the mean of the accuracies of the group's subtasks, each weighing
  the same. A subtask is a (suite, `Sample.group`) pair, e.g. one MMLU subject; a suite
  without groups is one subtask. Its interval is `stats.subtask_mean_interval`.
- pass@k, for items run with several repeats, is the mean over items of the unbiased
  estimate from the item's answered repeats (`stats.pass_at_k`).
- cost per 1K tokens = total cost / total tokens * 1000, over the samples that have a cost,
  so the figure reflects the real input/output mix.
- value per dollar = correct answers per dollar.

Aggregation streams: it reads each sample once and keeps in memory only counters per group
and subtask. State that grows with the samples (repeat counts per item, the repeat-0 outcome of
each item for the paired comparisons, and the latencies) goes to a temporary SQLite file
(`harness.item_ledger`), so memory stays flat however large the run.
The specialized-against-frontier comparisons are built in `harness.compare.frontier`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.compare.frontier import SIGNIFICANCE_LEVEL, Comparison, candidate_pairs, compare, compare_pair
from harness.item_ledger import Grouping, ItemLedger, RepeatCounts
from harness.stats import mean_pass_at_k_from_histogram, subtask_mean_interval, wilson_interval
from harness.store.records import OUTCOMES, Manifest, Sample

logger = logging.getLogger(__name__)

__all__ = [
    "SIGNIFICANCE_LEVEL", "Aggregates", "Comparison", "GroupStats", "ModelInfo",
    "aggregate", "compare", "compare_pair", "is_priced", "model_roster",
]

@dataclass(frozen=True)
class ModelInfo:
    """Identity, role and description of one model, as the run config states them."""

    id: str
    model: str
    role: str
    """'specialized', 'frontier', or 'unknown' when the sample's model is missing from the config."""
    verticals: tuple[str, ...]
    description: str | None


@dataclass(frozen=True)
class GroupStats:
    """Figures of one model on one vertical or one suite."""

    model_id: str
    group: str
    """The vertical or the suite id, depending on the grouping."""
    items: int
    """Samples scored; an item run with several repeats counts once per repeat."""
    answered: int
    """Samples whose outcome is not `error`."""
    correct: int
    accuracy: float | None
    """correct / answered; None when nothing was answered."""
    accuracy_interval: tuple[float, float] | None
    """Wilson 95% interval of the accuracy."""
    subtasks: int
    """Subtasks with at least one answered sample."""
    subtask_accuracy: float | None
    """Mean over subtasks of their accuracies; None when nothing was answered."""
    subtask_interval: tuple[float, float] | None
    """95% interval of the mean over subtasks."""
    outcome_counts: dict[str, int]
    outcome_rates: dict[str, float]
    """Share of each outcome among all samples of the group, `error` included."""
    input_tokens: int
    """Uncached, cached and cache-write input tokens of samples with reported usage."""
    output_tokens: int
    """Visible and reasoning output tokens of samples with reported usage."""
    usage_missing: int
    """Answered samples without reported token usage."""
    priced: bool
    total_cost: float | None
    """US dollars; None when the model is unpriced or no sample has a cost."""
    cost_missing: int
    """Answered samples of a priced model that have no cost, left out of every cost figure."""
    cost_per_1k_tokens: float | None
    cost_per_item: float | None
    """Mean cost of a sample that has a cost."""
    cost_per_correct: float | None
    value_per_dollar: float | None
    """Correct answers per US dollar."""
    latency_p50: float | None
    """Median seconds per call."""
    latency_p95: float | None
    max_repeats: int = 1
    """Largest number of samples of one item."""
    pass_at_k: tuple[tuple[int, float], ...] = ()
    """(k, pass@k) for k = 1 and the smallest answered repeat count of an item, when that is above 1."""

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    @property
    def excluded(self) -> int:
        """Samples left out of the accuracy because their outcome is `error`."""
        return self.items - self.answered


@dataclass(frozen=True)
class Aggregates:
    """All figures of a run."""

    by_vertical: tuple[GroupStats, ...]
    by_suite: tuple[GroupStats, ...]
    comparisons: tuple[Comparison, ...]
    models: tuple[ModelInfo, ...]

    def vertical_stats(self, model_id: str, vertical: str) -> GroupStats | None:
        """Return the figures of a model on a vertical, or None if it has no samples there."""
        for stats in self.by_vertical:
            if stats.model_id == model_id and stats.group == vertical:
                return stats
        return None


@dataclass
class _Tally:
    """Running counters of one group."""

    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    input_tokens: int = 0
    output_tokens: int = 0
    usage_missing: int = 0
    cost: float = 0.0
    costed: int = 0
    costed_correct: int = 0
    costed_tokens: int = 0
    token_cost: float = 0.0
    """Cost of the samples that have both a cost and known tokens, the numerator of cost per 1K tokens."""
    cost_missing: int = 0
    subtasks: dict[str, list[int]] = field(default_factory=dict)
    """[answered, correct] per subtask."""

    def add(self, sample: Sample) -> None:
        self.outcomes[sample.outcome] += 1
        answered = sample.outcome != "error"
        correct = sample.outcome == "correct"
        if answered:
            per_subtask = self.subtasks.setdefault(f"{sample.suite}:{sample.group or ''}", [0, 0])
            per_subtask[0] += 1
            per_subtask[1] += correct
        usage = sample.usage
        tokens_known = usage.reported and usage.input_tokens is not None and usage.output_tokens is not None
        if tokens_known:
            self.input_tokens += usage.input_tokens + usage.cached_input_tokens + usage.cache_write_tokens
            self.output_tokens += usage.output_tokens + usage.reasoning_tokens
        elif answered:
            self.usage_missing += 1
        if sample.cost_usd is not None:
            self.cost += sample.cost_usd
            self.costed += 1
            self.costed_correct += sample.outcome == "correct"
            if tokens_known:
                self.costed_tokens += usage.total_tokens
                self.token_cost += sample.cost_usd
        elif answered:
            self.cost_missing += 1


def model_roster(manifest: Manifest) -> tuple[ModelInfo, ...]:
    """Read id, LiteLLM string, role, verticals and description of each model from the run config."""
    roster = []
    for entry in manifest.config.get("models", []):
        roster.append(
            ModelInfo(
                id=str(entry["id"]),
                model=str(entry.get("model", "")),
                role=str(entry.get("role", "unknown")),
                verticals=tuple(entry.get("verticals") or ()),
                description=entry.get("description"),
            )
        )
    return tuple(roster)


def is_priced(manifest: Manifest, model_id: str) -> bool:
    """Tell whether the run has a price for the model."""
    snapshot = manifest.prices.get(model_id)
    return snapshot is not None and snapshot.priced


def aggregate(
    samples: Iterable[Sample],
    manifest: Manifest,
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> Aggregates:
    """Aggregate samples per (model, vertical) and (model, suite) and build the comparisons.

    Every sample given is counted; removing duplicate records of a resumed run is the
    caller's job. For the paired comparisons only repeat 0 is used, and a later record of
    the same (model, suite, item) replaces an earlier one.

    Args:
        samples: scored samples, read once.
        manifest: the run manifest, for prices and model roles.
        resamples: bootstrap resamples per comparison.
        seed: bootstrap seed, so the report is reproducible.
    """
    roster = model_roster(manifest)
    by_vertical: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    by_suite: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    with ItemLedger() as ledger:
        count = 0
        for sample in samples:
            count += 1
            by_vertical[(sample.model_id, sample.vertical)].add(sample)
            by_suite[(sample.model_id, sample.suite)].add(sample)
            ledger.add(sample)
        logger.info("aggregated %d samples of run %s", count, manifest.run_id)

        vertical_stats = _finish("vertical", by_vertical, ledger, manifest)
        suite_stats = _finish("suite", by_suite, ledger, manifest)
        tables = {pair: ledger.paired_counts(*pair) for pair in candidate_pairs(roster)}
    return Aggregates(
        by_vertical=vertical_stats,
        by_suite=suite_stats,
        comparisons=compare(vertical_stats, tables, roster, resamples=resamples, seed=seed),
        models=roster,
    )


def _finish(
    grouping: Grouping, tallies: dict[tuple[str, str], _Tally], ledger: ItemLedger, manifest: Manifest
) -> tuple[GroupStats, ...]:
    repeats = ledger.repeat_counts(grouping)
    return tuple(
        _group_stats(
            model_id, group, tally, is_priced(manifest, model_id),
            latency=ledger.latency_percentiles(grouping, model_id, group, (50, 95)),
            repeats=repeats[(model_id, group)],
        )
        for (model_id, group), tally in sorted(tallies.items())
    )


def _group_stats(
    model_id: str, group: str, tally: _Tally, priced: bool, *, latency: tuple[float, ...] | None, repeats: RepeatCounts
) -> GroupStats:
    """Turn the counters of one group, its latency p50 and p95 and its repeat counts into its figures."""
    items = sum(tally.outcomes.values())
    correct = tally.outcomes["correct"]
    answered = items - tally.outcomes["error"]
    has_cost = priced and tally.costed > 0
    total_cost = tally.cost if has_cost else None
    latency_p50, latency_p95 = latency if latency is not None else (None, None)
    subtask_counts = [(correct_count, answered_count) for answered_count, correct_count in tally.subtasks.values()]
    subtask_accuracy, subtask_interval = subtask_mean_interval(subtask_counts) if subtask_counts else (None, None)
    return GroupStats(
        model_id=model_id,
        group=group,
        items=items,
        answered=answered,
        correct=correct,
        accuracy=correct / answered if answered else None,
        accuracy_interval=wilson_interval(correct, answered) if answered else None,
        subtasks=len(subtask_counts),
        subtask_accuracy=subtask_accuracy,
        subtask_interval=subtask_interval,
        outcome_counts=dict(tally.outcomes),
        outcome_rates={name: count / items for name, count in tally.outcomes.items()} if items else {},
        input_tokens=tally.input_tokens,
        output_tokens=tally.output_tokens,
        usage_missing=tally.usage_missing,
        priced=priced,
        total_cost=total_cost,
        cost_missing=tally.cost_missing if priced else 0,
        cost_per_1k_tokens=_ratio(tally.token_cost if has_cost else None, tally.costed_tokens, scale=1000.0),
        cost_per_item=_ratio(total_cost, tally.costed),
        cost_per_correct=_ratio(total_cost, tally.costed_correct),
        value_per_dollar=_ratio(tally.costed_correct if has_cost else None, total_cost),
        latency_p50=latency_p50,
        latency_p95=latency_p95,
        max_repeats=repeats.max_samples,
        pass_at_k=_pass_at_k(repeats.histogram),
    )


def _pass_at_k(histogram: Mapping[tuple[int, int], int]) -> tuple[tuple[int, float], ...]:
    """Return pass@1 and pass@k at the largest k that every item with an answered repeat supports.

    The histogram maps (answered repeats, correct repeats) to a number of items, and leaves out
    items whose repeats all ended in `error`. Nothing is returned when no item has more than
    one answered repeat, because pass@1 is then the accuracy.
    """
    if not histogram:
        return ()
    largest_k = min(count for count, _ in histogram)
    if max(count for count, _ in histogram) < 2:
        return ()
    ks = (1,) if largest_k == 1 else (1, largest_k)
    return tuple((k, mean_pass_at_k_from_histogram(histogram, k)) for k in ks)


def _ratio(numerator: float | None, denominator: float | None, scale: float = 1.0) -> float | None:
    """Return numerator / denominator * scale, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * scale


