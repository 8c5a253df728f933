"""`verticalbench reprice RUN --prices FILE`: the costs of a finished run under other prices, calling no model."""

from __future__ import annotations

from pathlib import Path

import click

from harness.commands.tables import format_table
from harness.store.run_dir import RunDir


def reprice_command(run_ref: str, prices_path: Path, name: str | None, output_dir: Path) -> None:
    """Write a repriced copy of RUN next to its samples, render its reports and print the changes."""
    from harness.commands.report_command import render_run_reports
    from harness.costs.price_file import load_price_file
    from harness.costs.reprice import reprice_run
    from harness.costs.tables import reprice_rows

    source = RunDir.open(output_dir / "results", run_ref)
    result = reprice_run(source, load_price_file(prices_path), name)
    paths, _ = render_run_reports(result.run_dir, output_dir / "reports")
    rows, totals = reprice_rows(result.tallies, result.original_prices, result.manifest.prices)
    click.echo(f"repriced run {source.run_id} with {prices_path}; no model was called")
    click.echo(f"new prices for: {', '.join(result.repriced_models)}")
    if result.kept_models:
        click.echo(f"run's prices kept for: {', '.join(result.kept_models)}")
    click.echo("")
    headers = ["model", "vertical", "samples", "cost at the run's prices", "cost at the new prices", "change"]
    click.echo(format_table(headers, rows))
    click.echo("")
    for line in totals:
        click.echo(line)
    click.echo("")
    click.echo(f"repriced samples: {result.run_dir.samples_path} (the run's own samples.jsonl is unchanged)")
    click.echo(f"markdown: {paths.markdown}")
    click.echo(f"html:     {paths.html}")
