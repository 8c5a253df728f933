"""Aggregate scored samples per model and vertical or suite, and compare specialized with frontier models.

Definitions (the report footnote states the same):
- accuracy = correct / answered, where answered counts every outcome except `error`.
  `error` marks a provider or harness failure, so it is left out of the denominator and
  counted beside it. `unparseable`, `truncated` and `refused` are failures of the model
  and count as not correct. The mean is over samples (micro average), not over subtasks.
- cost per 1K tokens = total cost / total tokens * 1000, over the samples that have a cost,
  so the figure reflects the real input/output mix.
- value per dollar = correct answers per dollar.

Aggregation streams: it reads each sample once and keeps only per-group counters, latency
lists and one outcome flag per (model, suite, item) for the paired comparisons.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from harness.store.records import OUTCOMES, Manifest, Sample
from harness.stats import mcnemar_exact, paired_bootstrap_diff, percentile, wilson_interval

logger = logging.getLogger(__name__)

ItemKey = tuple[str, str]
"""(suite, item_id) of one item."""


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

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


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
    cost_per_1k_specialized: float | None
    """From the model's figures on the whole vertical."""
    cost_per_1k_frontier: float | None
    cost_differential: float | None
    """(c_S - c_F) / c_F as a fraction; None when either model is unpriced or c_F = 0."""
    value_per_dollar_specialized: float | None
    value_per_dollar_frontier: float | None
    value_per_dollar_improvement: float | None
    """vpd_S / vpd_F - 1 as a fraction."""


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
    latencies: list[float] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.outcomes[sample.outcome] += 1
        answered = sample.outcome != "error"
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
        if sample.latency_s is not None:
            self.latencies.append(sample.latency_s)


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
    paired: dict[tuple[str, str], dict[ItemKey, bool | None]] = defaultdict(dict)
    count = 0
    for sample in samples:
        count += 1
        by_vertical[(sample.model_id, sample.vertical)].add(sample)
        by_suite[(sample.model_id, sample.suite)].add(sample)
        if sample.repeat == 0:
            correct = None if sample.outcome == "error" else sample.outcome == "correct"
            paired[(sample.model_id, sample.vertical)][(sample.suite, sample.item_id)] = correct
    logger.info("aggregated %d samples of run %s", count, manifest.run_id)

    vertical_stats = _finish(by_vertical, manifest)
    comparisons = compare(vertical_stats, paired, roster, resamples=resamples, seed=seed)
    return Aggregates(
        by_vertical=vertical_stats,
        by_suite=_finish(by_suite, manifest),
        comparisons=comparisons,
        models=roster,
    )


def _finish(tallies: dict[tuple[str, str], _Tally], manifest: Manifest) -> tuple[GroupStats, ...]:
    return tuple(
        _group_stats(model_id, group, tally, is_priced(manifest, model_id))
        for (model_id, group), tally in sorted(tallies.items())
    )


def _group_stats(model_id: str, group: str, tally: _Tally, priced: bool) -> GroupStats:
    """Turn the counters of one group into its figures."""
    items = sum(tally.outcomes.values())
    correct = tally.outcomes["correct"]
    answered = items - tally.outcomes["error"]
    has_cost = priced and tally.costed > 0
    total_cost = tally.cost if has_cost else None
    latencies = tally.latencies
    return GroupStats(
        model_id=model_id,
        group=group,
        items=items,
        answered=answered,
        correct=correct,
        accuracy=correct / answered if answered else None,
        accuracy_interval=wilson_interval(correct, answered) if answered else None,
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
        latency_p50=percentile(latencies, 50) if latencies else None,
        latency_p95=percentile(latencies, 95) if latencies else None,
    )


def _ratio(numerator: float | None, denominator: float | None, scale: float = 1.0) -> float | None:
    """Return numerator / denominator * scale, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * scale


def _relative_change(value: float | None, baseline: float | None) -> float | None:
    """Return value / baseline - 1, or None when either is missing or the baseline is 0."""
    ratio = _ratio(value, baseline)
    return None if ratio is None else ratio - 1.0


def compare(
    vertical_stats: Iterable[GroupStats],
    paired: dict[tuple[str, str], dict[ItemKey, bool | None]],
    roster: Iterable[ModelInfo],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[Comparison, ...]:
    """Compare each specialized model with each frontier model on every vertical it targets.

    A pair is compared only when both models have samples on the vertical.

    Args:
        vertical_stats: per (model, vertical) figures.
        paired: per (model, vertical), the outcome of each item at repeat 0:
            True correct, False not correct, None `error`.
        roster: the models of the run.
        resamples: bootstrap resamples per comparison.
        seed: bootstrap seed.
    """
    stats = {(s.model_id, s.group): s for s in vertical_stats}
    comparisons = []
    for vertical, special, baseline in _candidate_pairs(tuple(roster)):
        s_stats, f_stats = stats.get((special, vertical)), stats.get((baseline, vertical))
        if s_stats is None or f_stats is None:
            logger.debug("no comparison of %s with %s on %s: a model has no samples there", special, baseline, vertical)
            continue
        s_items = paired.get((special, vertical), {})
        f_items = paired.get((baseline, vertical), {})
        comparisons.append(compare_pair(vertical, s_stats, f_stats, s_items, f_items, resamples=resamples, seed=seed))
    return tuple(sorted(comparisons, key=lambda c: (c.vertical, c.specialized, c.frontier)))


def _candidate_pairs(roster: tuple[ModelInfo, ...]) -> Iterator[tuple[str, str, str]]:
    """Yield (vertical, specialized id, frontier id) for every vertical a specialized model targets."""
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
    specialized_items: dict[ItemKey, bool | None],
    frontier_items: dict[ItemKey, bool | None],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Compare two models on the items both answered, and their costs on the whole vertical."""
    common = sorted(
        key
        for key, outcome in specialized_items.items()
        if outcome is not None and frontier_items.get(key) is not None
    )
    s_outcomes = [int(bool(specialized_items[key])) for key in common]
    f_outcomes = [int(bool(frontier_items[key])) for key in common]
    n = len(common)

    acc_s = acc_f = points = None
    if n:
        acc_s, acc_f = sum(s_outcomes) / n, sum(f_outcomes) / n
        points = (acc_s - acc_f) * 100.0
    s_only = sum(1 for s, f in zip(s_outcomes, f_outcomes) if s > f)
    f_only = sum(1 for s, f in zip(s_outcomes, f_outcomes) if f > s)
    interval = None
    if n:
        lower, upper = paired_bootstrap_diff(s_outcomes, f_outcomes, resamples=resamples, seed=seed)
        interval = (lower * 100.0, upper * 100.0)

    c_s, c_f = specialized.cost_per_1k_tokens, frontier.cost_per_1k_tokens
    v_s, v_f = specialized.value_per_dollar, frontier.value_per_dollar

    return Comparison(
        vertical=vertical,
        specialized=specialized.model_id,
        frontier=frontier.model_id,
        paired_items=n,
        accuracy_specialized=acc_s,
        accuracy_frontier=acc_f,
        advantage_points=points,
        advantage_relative=_relative_change(acc_s, acc_f),
        advantage_interval_points=interval,
        specialized_only_correct=s_only,
        frontier_only_correct=f_only,
        mcnemar_p=mcnemar_exact(s_only, f_only) if n else None,
        cost_per_1k_specialized=c_s,
        cost_per_1k_frontier=c_f,
        cost_differential=_relative_change(c_s, c_f),
        value_per_dollar_specialized=v_s,
        value_per_dollar_frontier=v_f,
        value_per_dollar_improvement=_relative_change(v_s, v_f),
    )
