"""`verticalbench runs`: list the runs of a results directory from the run index."""

from __future__ import annotations

from pathlib import Path

import click

from harness.commands.index_command import refresh_index
from harness.commands.tables import format_table
from harness.registry import ModelRecord, list_runs


def runs_command(output_dir: Path, model: str | None, last: int | None) -> None:
    """Print one line per run, oldest first: id, name, status, start, models with reported versions, suites, samples."""
    results_dir = refresh_index(output_dir)
    runs = list_runs(results_dir, model)
    if last is not None:
        runs = runs[-last:]
    if not runs:
        scope = f" with model {model!r}" if model else ""
        click.echo(f"no runs{scope} in {results_dir}")
        return
    rows = [
        [run.run_id, run.name, run.status, short_time(run.started_at), "; ".join(_model_text(m) for m in run.models),
         str(len(run.suites)), f"{run.samples:,}"]
        for run in runs
    ]
    click.echo(format_table(["run id", "name", "status", "started (UTC)", "models (provider-reported)", "suites", "samples"], rows))


def short_time(timestamp: str) -> str:
    """Shorten an ISO-8601 time to 'YYYY-MM-DD HH:MM'."""
    return timestamp[:16].replace("T", " ")


def _model_text(model: ModelRecord) -> str:
    reported = ", ".join(model.response_models) or "not reported"
    return f"{model.model_id} ({reported})"
