"""One model in a new run against the same model in a base run, on the items both runs answered.

For each model pair, vertical and suite: the accuracy difference (new minus base) with its
paired bootstrap interval, the exact McNemar p-value and its Holm adjustment across the
verticals (or across the suites) of the pair, cost per item and latency on the same items,
and the items whose correctness flipped. Only repeat 0 of each item is compared.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from harness.aggregate import is_priced, model_roster
from harness.compare.flips import Flip, collect_flips
from harness.compare.frontier import relative_change
from harness.compare.paired import PairedDifference, holm_or_none, paired_difference
from harness.compare.settings import setting_changes
from harness.errors import VerticalbenchError
from harness.stats import percentile
from harness.store.records import Manifest
from harness.store.run_dir import RunDir

logger = logging.getLogger(__name__)

ItemKey = tuple[str, str]
"""(suite, item_id)."""


class ComparisonError(VerticalbenchError):
    """Two runs cannot be compared as requested."""


@dataclass(frozen=True)
class RunInfo:
    """Identity of one side of the comparison."""

    run_id: str
    name: str
    started_at: str
    status: str
    config_hash: str


@dataclass(frozen=True)
class ModelPair:
    """The model compared: its id in the base run and in the new run, with what the provider reported."""

    base_id: str
    new_id: str
    base_model: str
    """LiteLLM model string of the base run's config."""
    new_model: str
    base_reported: tuple[str, ...]
    """Model names the provider reported in the base run, most frequent first."""
    new_reported: tuple[str, ...]
    changes: tuple[str, ...] = ()
    """Settings of this model that differ between the runs (price, params, endpoint, seed)."""

    @property
    def label(self) -> str:
        """The model id, or 'base id → new id' when the ids differ."""
        return self.base_id if self.base_id == self.new_id else f"{self.base_id} → {self.new_id}"


@dataclass(frozen=True)
class DeltaRow:
    """One model pair on one vertical or suite."""

    pair: ModelPair
    level: str
    """'vertical' or 'suite'."""
    group: str
    shared_items: int
    """Items of the group present in both runs."""
    excluded_items: int
    """Shared items left out because either run's outcome is `error`."""
    difference: PairedDifference
    """New run first, base run second, so points = new - base."""
    p_holm: float | None
    cost_per_item_base: float | None
    """Mean US dollars per compared item; None when the model is unpriced or no item has a cost."""
    cost_per_item_new: float | None
    latency_p50_base: float | None
    """Seconds, over the compared items."""
    latency_p50_new: float | None
    latency_p95_base: float | None
    latency_p95_new: float | None
    regression: bool = False
    """The drop exceeds the threshold and p_holm is below the significance level."""

    @property
    def right_to_wrong(self) -> int:
        """Compared items correct in the base run and not in the new one."""
        return self.difference.second_only_correct

    @property
    def wrong_to_right(self) -> int:
        """Compared items not correct in the base run and correct in the new one."""
        return self.difference.first_only_correct

    @property
    def cost_change(self) -> float | None:
        """new / base - 1 of the cost per item."""
        return relative_change(self.cost_per_item_new, self.cost_per_item_base)


@dataclass(frozen=True)
class RunComparison:
    """Everything `verticalbench compare` reports."""

    base: RunInfo
    new: RunInfo
    pairs: tuple[ModelPair, ...]
    vertical_rows: tuple[DeltaRow, ...]
    suite_rows: tuple[DeltaRow, ...]
    flips: tuple[Flip, ...]
    only_in_base: dict[str, int]
    """Per pair label, items at repeat 0 that only the base run has."""
    only_in_new: dict[str, int]
    threshold_points: float
    alpha: float
    resamples: int
    seed: int

    @property
    def regressions(self) -> tuple[DeltaRow, ...]:
        """Vertical rows whose drop is larger than the threshold and significant; the CI gate reads these."""
        return tuple(row for row in self.vertical_rows if row.regression)


@dataclass(frozen=True)
class _Record:
    """The fields of one sample at repeat 0 that the comparison uses."""

    vertical: str
    correct: bool | None
    """None when the outcome is `error`."""
    cost: float | None
    latency: float | None


def compare_runs(
    base_dir: RunDir,
    new_dir: RunDir,
    *,
    pairs: Iterable[tuple[str, str]] = (),
    threshold_points: float = 1.0,
    alpha: float = 0.05,
    resamples: int = 2000,
    seed: int = 0,
) -> RunComparison:
    """Compare a new run with a base run, model by model, on the items both answered.

    Args:
        base_dir, new_dir: the two stored runs.
        pairs: (base model id, new model id) to compare; empty compares every model id
            that both runs have.
        threshold_points: a drop larger than this many percentage points can be a regression.
        alpha: significance level for the Holm-adjusted McNemar p-value.
        resamples, seed: bootstrap settings.

    Raises:
        ComparisonError: a requested model is missing from a run, or the runs share no model id.
        StoreError: a manifest or sample line is corrupt.
    """
    base_manifest, new_manifest = base_dir.read_manifest(), new_dir.read_manifest()
    model_ids = _resolve_pairs(base_manifest, new_manifest, tuple(pairs))
    base_records, base_reported = _read_records(base_dir, {base for base, _ in model_ids})
    new_records, new_reported = _read_records(new_dir, {new for _, new in model_ids})

    model_pairs, vertical_rows, suite_rows, flip_keys = [], [], [], []
    only_in_base, only_in_new = {}, {}
    for base_id, new_id in model_ids:
        pair = _model_pair(base_manifest, new_manifest, base_id, new_id, base_reported, new_reported)
        model_pairs.append(pair)
        base_items, new_items = base_records.get(base_id, {}), new_records.get(new_id, {})
        only_in_base[pair.label] = len(base_items.keys() - new_items.keys())
        only_in_new[pair.label] = len(new_items.keys() - base_items.keys())
        priced = (is_priced(base_manifest, base_id), is_priced(new_manifest, new_id))
        rows = _pair_rows(pair, base_items, new_items, priced, threshold_points, alpha, resamples, seed)
        vertical_rows += rows["vertical"]
        suite_rows += rows["suite"]
        flip_keys += _flipped(pair, base_items, new_items)

    flips = collect_flips(base_dir, new_dir, flip_keys)
    logger.info("compared run %s with base %s: %d flipped items", new_manifest.run_id, base_manifest.run_id, len(flips))
    return RunComparison(
        base=_run_info(base_manifest), new=_run_info(new_manifest), pairs=tuple(model_pairs),
        vertical_rows=tuple(vertical_rows), suite_rows=tuple(suite_rows), flips=flips,
        only_in_base=only_in_base, only_in_new=only_in_new, threshold_points=threshold_points, alpha=alpha,
        resamples=resamples, seed=seed,
    )


def _resolve_pairs(base: Manifest, new: Manifest, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Check requested model pairs against both configs, or pair every shared model id."""
    base_ids = [model.id for model in model_roster(base)]
    new_ids = [model.id for model in model_roster(new)]
    if not pairs:
        shared = [model_id for model_id in base_ids if model_id in new_ids]
        if not shared:
            raise ComparisonError(
                f"runs {base.run_id} and {new.run_id} share no model id (base: {', '.join(base_ids) or 'none'}; "
                f"new: {', '.join(new_ids) or 'none'}); pair models with --pair BASE_ID=NEW_ID"
            )
        return [(model_id, model_id) for model_id in shared]
    for base_id, new_id in pairs:
        if base_id not in base_ids:
            raise ComparisonError(f"model {base_id!r} is not in base run {base.run_id}; its models are {', '.join(base_ids)}")
        if new_id not in new_ids:
            raise ComparisonError(f"model {new_id!r} is not in new run {new.run_id}; its models are {', '.join(new_ids)}")
    return list(pairs)


def _read_records(run_dir: RunDir, model_ids: set[str]) -> tuple[dict[str, dict[ItemKey, _Record]], dict[str, Counter[str]]]:
    """Read repeat 0 of each item of the given models; a later record of an item replaces an earlier one."""
    records: dict[str, dict[ItemKey, _Record]] = defaultdict(dict)
    reported: dict[str, Counter[str]] = defaultdict(Counter)
    for sample in run_dir.iter_samples():
        if sample.model_id not in model_ids:
            continue
        if sample.response_model:
            reported[sample.model_id][sample.response_model] += 1
        if sample.repeat != 0:
            continue
        correct = None if sample.outcome == "error" else sample.outcome == "correct"
        records[sample.model_id][(sample.suite, sample.item_id)] = _Record(
            vertical=sample.vertical, correct=correct, cost=sample.cost_usd, latency=sample.latency_s
        )
    return records, reported


def _model_pair(base: Manifest, new: Manifest, base_id: str, new_id: str,
                base_reported: dict[str, Counter[str]], new_reported: dict[str, Counter[str]]) -> ModelPair:
    base_model = next(model.model for model in model_roster(base) if model.id == base_id)
    new_model = next(model.model for model in model_roster(new) if model.id == new_id)
    return ModelPair(
        base_id=base_id, new_id=new_id, base_model=base_model, new_model=new_model,
        base_reported=tuple(name for name, _ in base_reported[base_id].most_common()),
        new_reported=tuple(name for name, _ in new_reported[new_id].most_common()),
        changes=setting_changes(base, new, base_id, new_id),
    )


def _pair_rows(pair: ModelPair, base_items: dict[ItemKey, _Record], new_items: dict[ItemKey, _Record],
               priced: tuple[bool, bool], threshold: float, alpha: float, resamples: int,
               seed: int) -> dict[str, list[DeltaRow]]:
    """Build the vertical and suite rows of one model pair, with Holm's adjustment within each level."""
    groups: dict[tuple[str, str], list[ItemKey]] = defaultdict(list)
    for key in sorted(base_items.keys() & new_items.keys()):
        groups[("vertical", new_items[key].vertical)].append(key)
        groups[("suite", key[0])].append(key)
    result: dict[str, list[DeltaRow]] = {"vertical": [], "suite": []}
    for (level, group), keys in sorted(groups.items()):
        result[level].append(_delta_row(pair, level, group, keys, base_items, new_items, priced, resamples, seed))
    for level, rows in result.items():
        adjusted = holm_or_none([row.difference.p_value for row in rows])
        result[level] = [_flag(replace(row, p_holm=p), threshold, alpha) for row, p in zip(rows, adjusted)]
    return result


def _delta_row(pair: ModelPair, level: str, group: str, keys: list[ItemKey], base_items: dict[ItemKey, _Record],
               new_items: dict[ItemKey, _Record], priced: tuple[bool, bool], resamples: int, seed: int) -> DeltaRow:
    compared = [key for key in keys if base_items[key].correct is not None and new_items[key].correct is not None]
    base = [base_items[key] for key in compared]
    new = [new_items[key] for key in compared]
    difference = paired_difference(
        [int(bool(record.correct)) for record in new], [int(bool(record.correct)) for record in base],
        resamples=resamples, seed=seed,
    )
    return DeltaRow(
        pair=pair, level=level, group=group, shared_items=len(keys), excluded_items=len(keys) - len(compared),
        difference=difference, p_holm=difference.p_value,
        cost_per_item_base=_mean_cost(base) if priced[0] else None,
        cost_per_item_new=_mean_cost(new) if priced[1] else None,
        latency_p50_base=_latency(base, 50), latency_p50_new=_latency(new, 50),
        latency_p95_base=_latency(base, 95), latency_p95_new=_latency(new, 95),
    )


def _flag(row: DeltaRow, threshold: float, alpha: float) -> DeltaRow:
    points = row.difference.points
    drop = points is not None and points < -threshold
    significant = row.p_holm is not None and row.p_holm < alpha
    return replace(row, regression=drop and significant)


def _flipped(pair: ModelPair, base_items: dict[ItemKey, _Record],
             new_items: dict[ItemKey, _Record]) -> list[tuple[str, str, str, str, bool]]:
    """Return (base id, new id, suite, item id, was correct) of each compared item whose correctness changed."""
    flipped = []
    for key in sorted(base_items.keys() & new_items.keys()):
        before, after = base_items[key].correct, new_items[key].correct
        if before is not None and after is not None and before != after:
            flipped.append((pair.base_id, pair.new_id, key[0], key[1], before))
    return flipped


def _mean_cost(records: list[_Record]) -> float | None:
    costs = [record.cost for record in records if record.cost is not None]
    return sum(costs) / len(costs) if costs else None


def _latency(records: list[_Record], q: float) -> float | None:
    latencies = [record.latency for record in records if record.latency is not None]
    return percentile(latencies, q) if latencies else None


def _run_info(manifest: Manifest) -> RunInfo:
    return RunInfo(run_id=manifest.run_id, name=manifest.name, started_at=manifest.started_at,
                   status=manifest.status, config_hash=manifest.config_hash)
