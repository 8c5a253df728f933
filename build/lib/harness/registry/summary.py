"""Read one run directory into the rows the index stores for it."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.aggregate import GroupStats, aggregate, is_priced, model_roster
from harness.store.records import Manifest, Sample
from harness.store.run_dir import MANIFEST, RunDir

SUMMARY_RESAMPLES = 1
"""Bootstrap resamples for the aggregation: the index stores no paired interval, so one suffices."""


@dataclass
class _SampleCensus:
    """Counts taken while the samples stream through the aggregation."""

    samples: int = 0
    response_models: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def watch(self, samples: Iterator[Sample]) -> Iterator[Sample]:
        for sample in samples:
            self.samples += 1
            if sample.response_model:
                self.response_models[sample.model_id][sample.response_model] += 1
            yield sample


@dataclass(frozen=True)
class RunSummary:
    """Everything the index stores for one run."""

    run: dict[str, Any]
    models: list[dict[str, Any]]
    suites: list[dict[str, Any]]
    figures: list[dict[str, Any]]


def summarize_run(run_dir: RunDir, indexed_at: str) -> RunSummary:
    """Aggregate a stored run and return its index rows.

    Raises:
        StoreError: the manifest or a sample line is corrupt.
    """
    manifest = run_dir.read_manifest()
    census = _SampleCensus()
    figures = aggregate(census.watch(run_dir.iter_samples()), manifest, resamples=SUMMARY_RESAMPLES)
    run = {
        "run_id": manifest.run_id,
        "name": manifest.name,
        "config_hash": manifest.config_hash,
        "status": manifest.status,
        "started_at": manifest.started_at,
        "finished_at": manifest.finished_at,
        "samples": census.samples,
        "verticalbench_version": manifest.versions.get("verticalbench"),
        "path": str(run_dir.path.resolve()),
        "source_stamp": source_stamp(run_dir),
        "indexed_at": indexed_at,
    }
    rows = [_figure_row(manifest.run_id, "vertical", stats) for stats in figures.by_vertical]
    rows += [_figure_row(manifest.run_id, "suite", stats) for stats in figures.by_suite]
    return RunSummary(run=run, models=_model_rows(manifest, census), suites=_suite_rows(manifest), figures=rows)


def source_stamp(run_dir: RunDir) -> str:
    """Return the size and modification time, in nanoseconds, of the manifest and the samples file."""
    parts = []
    for path in (run_dir.path / MANIFEST, run_dir.samples_path):
        try:
            stat = path.stat()
        except FileNotFoundError:
            parts.append("missing")
            continue
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "/".join(parts)


def _model_rows(manifest: Manifest, census: _SampleCensus) -> list[dict[str, Any]]:
    rows = []
    for model in model_roster(manifest):
        reported = [name for name, _ in census.response_models[model.id].most_common()]
        rows.append({
            "run_id": manifest.run_id,
            "model_id": model.id,
            "model": model.model,
            "role": model.role,
            "verticals": ",".join(model.verticals),
            "response_models": json.dumps(reported),
            "priced": int(is_priced(manifest, model.id)),
        })
    return rows


def _suite_rows(manifest: Manifest) -> list[dict[str, Any]]:
    return [
        {"run_id": manifest.run_id, "suite": suite.suite, "vertical": suite.vertical, "items": suite.items,
         "fingerprint": suite.fingerprint}
        for suite in manifest.suites.values()
    ]


def _figure_row(run_id: str, level: str, stats: GroupStats) -> dict[str, Any]:
    accuracy_low, accuracy_high = stats.accuracy_interval or (None, None)
    subtask_low, subtask_high = stats.subtask_interval or (None, None)
    return {
        "run_id": run_id,
        "model_id": stats.model_id,
        "level": level,
        "grp": stats.group,
        "samples": stats.items,
        "answered": stats.answered,
        "correct": stats.correct,
        "excluded": stats.excluded,
        "accuracy": stats.accuracy,
        "accuracy_low": accuracy_low,
        "accuracy_high": accuracy_high,
        "subtasks": stats.subtasks,
        "subtask_accuracy": stats.subtask_accuracy,
        "subtask_low": subtask_low,
        "subtask_high": subtask_high,
        "priced": int(stats.priced),
        "total_cost": stats.total_cost,
        "cost_per_item": stats.cost_per_item,
        "cost_per_1k_tokens": stats.cost_per_1k_tokens,
        "cost_per_correct": stats.cost_per_correct,
        "latency_p50": stats.latency_p50,
        "latency_p95": stats.latency_p95,
    }
