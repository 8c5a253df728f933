"""`verticalbench run CONFIG --dry-run`: print tokens and dollars per model and suite before anything is spent."""

from __future__ import annotations

from pathlib import Path

import click

from harness.commands.tables import format_table
from harness.config import load_config
from harness.errors import ConfigError


def dryrun_command(config_path: Path | None, limit: int | None, suite_patterns: list[str], data_dir: Path | None,
                   output_dir: Path, resume_id: str | None) -> None:
    """Estimate a run (or the rest of a stored one) and print the table; call no model and start no server."""
    from harness.estimate.dryrun import dry_run
    from harness.estimate.tables import DRY_RUN_HEADERS, basis_lines, dry_run_rows, total_text
    from harness.run import RunOptions

    if resume_id is not None and config_path is not None:
        click.echo("note: --resume estimates with the config stored with the run; the CONFIG argument is ignored", err=True)
    if config_path is None and resume_id is None:
        raise ConfigError("missing CONFIG: pass a run config such as configs/demo.yaml, or --resume RUN_ID")
    config = load_config(config_path) if config_path is not None and resume_id is None else None
    options = RunOptions(limit=limit, suites=suite_patterns, data_dir=str(data_dir.resolve()) if data_dir else None)
    result = dry_run(config, options, output_dir / "results", resume_id=resume_id)
    estimate = result.estimate
    models = len({row.model_id for row in estimate.rows})
    suites = len({row.suite for row in estimate.rows})
    target = f"the rest of run {resume_id} ({result.stored:,} samples already stored)" if resume_id else f"config {config_path}"
    click.echo(f"dry run of {target}: {result.requests:,} requests to {models} model(s) on {suites} suite(s); "
               "no model is called")
    click.echo("")
    click.echo(format_table(DRY_RUN_HEADERS, dry_run_rows(estimate)))
    click.echo("")
    click.echo(total_text(estimate))
    click.echo("")
    click.echo("how the figures were made:")
    for line in basis_lines(estimate):
        click.echo(f"  {line}")
    for name in result.missing_keys:
        click.secho(f"note: ${name} is not set; the real run needs it", fg="yellow", err=True)
