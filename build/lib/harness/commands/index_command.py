"""`verticalbench index`: bring the run index up to date, or rebuild it from the run directories."""

from __future__ import annotations

from pathlib import Path

import click

from harness.registry import IndexReport, index_path, rebuild_index, sync_index


def index_command(output_dir: Path, rebuild: bool) -> None:
    """Rebuild or update `<output-dir>/results/index.sqlite` and print what changed."""
    results_dir = output_dir / "results"
    report = rebuild_index(results_dir) if rebuild else sync_index(results_dir)
    action = "rebuilt" if report.rebuilt else "updated"
    click.echo(f"{action} {index_path(results_dir)}: {len(report.indexed)} run(s) indexed, {len(report.removed)} removed")
    echo_skipped(report)


def refresh_index(output_dir: Path) -> Path:
    """Sync the index before a command reads it, report unreadable runs on stderr, and return the results directory."""
    results_dir = output_dir / "results"
    echo_skipped(sync_index(results_dir))
    return results_dir


def echo_skipped(report: IndexReport) -> None:
    """Print one line on stderr for each run folder that could not be indexed."""
    for folder, reason in report.skipped:
        click.secho(f"warning: run folder {folder} was not indexed: {reason}", fg="yellow", err=True)
