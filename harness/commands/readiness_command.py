"""`verticalbench readiness WORKLOAD --run RUN`: is this workload ready for a separate specialized model?"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from harness.commands.tables import format_table
from harness.store.run_dir import RunDir


def readiness_command(workload_path: Path, run_ref: str, days: float | None, overrides: dict[str, float | None],
                      thresholds: dict[str, float | int | None], output_dir: Path, save: bool) -> None:
    """Print each readiness condition with its measured value, the count met and the recommendation."""
    from harness.aggregate import aggregate
    from harness.commands.report_command import render_run_reports
    from harness.roi.readiness import Thresholds, assess
    from harness.roi.report import readiness_context, readiness_record
    from harness.roi.workload import load_workload

    workload = load_workload(workload_path, days)
    stated: dict[str, Any] = {key: value for key, value in overrides.items() if value is not None}
    workload = dataclasses.replace(workload, **stated)
    changed: dict[str, Any] = {key: value for key, value in thresholds.items() if value is not None}
    limits = dataclasses.replace(Thresholds(), **changed)
    run_dir = RunDir.open(output_dir / "results", run_ref)
    manifest = run_dir.read_manifest()
    readiness = assess(workload, aggregate(run_dir.iter_samples(), manifest), limits)
    shown = readiness_context(readiness, workload)
    click.echo(f"workload {shown['workload']}")
    click.echo(f"run {manifest.run_id}")
    run_verticals = {suite.vertical for suite in manifest.suites.values()}
    unknown = sorted(vertical for vertical in workload.monthly if vertical not in run_verticals)
    if unknown:
        click.secho(f"warning: the workload names vertical(s) the run did not measure: {', '.join(unknown)} "
                    f"(measured: {', '.join(sorted(run_verticals))}); check their spelling", fg="yellow", err=True)
    click.echo("")
    rows = [[r["name"], r["met"], r["measured"], r["threshold"]] for r in shown["rows"]]
    click.echo(format_table(["condition", "met", "measured", "threshold"], rows))
    click.echo("")
    click.echo(shown["summary"])
    click.echo(f"thresholds (change with the options of this command): {shown['thresholds']}")
    if save:
        manifest.cost_analysis["readiness"] = readiness_record(workload, limits)
        run_dir.write_manifest(manifest)
        paths, _ = render_run_reports(run_dir, output_dir / "reports")
        click.echo(f"kept with the run; the report shows this check: {paths.markdown}")
