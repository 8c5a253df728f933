"""`verticalbench history MODEL`: a model's accuracy, cost and latency per vertical across its runs."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import click

from harness.commands.index_command import refresh_index
from harness.commands.runs_command import short_time
from harness.commands.tables import format_table, money
from harness.errors import VerticalbenchError
from harness.registry import HistoryRecord, indexed_models, model_history
from harness.report.formatting import format_accuracy, format_seconds, format_subtask_accuracy


class UnknownModelError(VerticalbenchError):
    """No indexed run has the model the user named."""


HEADERS = ["run id", "started (UTC)", "provider-reported model", "accuracy [95% CI]", "mean over subtasks [95% CI]",
           "answered", "excluded", "$ per item", "total cost", "p50 s", "p95 s"]


def history_command(model: str, output_dir: Path, vertical: str | None, suite: str | None, by_suite: bool,
                    include_unfinished: bool) -> None:
    """Print one table per vertical (or suite) with a row per run of the model, oldest first."""
    results_dir = refresh_index(output_dir)
    by_suite = by_suite or suite is not None
    group = suite if by_suite else vertical
    records = model_history(results_dir, model, level="suite" if by_suite else "vertical", group=group,
                            finished_only=not include_unfinished)
    if by_suite and vertical is not None:
        # Suite ids are '<vertical>/<name>', so the prefix selects the vertical's suites.
        records = [record for record in records if record.group.startswith(f"{vertical}/")]
    if not records:
        known = indexed_models(results_dir)
        if model not in known:
            raise UnknownModelError(
                f"model {model!r} is in no indexed run of {results_dir}; indexed model ids: {', '.join(known) or 'none'}"
            )
        scope = f" on {suite or vertical}" if suite or vertical else ""
        click.echo(f"no {'finished ' if not include_unfinished else ''}runs of {model}{scope}; "
                   "--include-unfinished also lists interrupted runs")
        return
    for name, members in groupby(records, key=lambda record: record.group):
        click.echo(f"\n{name}")
        click.echo(format_table(HEADERS, [_row(record) for record in members]))


def _row(record: HistoryRecord) -> list[str]:
    return [
        record.run_id,
        short_time(record.started_at),
        ", ".join(record.response_models) or "not reported",
        format_accuracy(record.accuracy, record.accuracy_interval),
        format_subtask_accuracy(record.subtask_accuracy, record.subtask_interval, record.subtasks),
        f"{record.answered:,}",
        f"{record.excluded:,}",
        money(record.cost_per_item, record.priced),
        money(record.total_cost, record.priced),
        format_seconds(record.latency_p50),
        format_seconds(record.latency_p95),
    ]
