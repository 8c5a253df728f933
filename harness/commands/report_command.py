"""`verticalbench report`: rebuild a run's reports from its stored samples."""

from __future__ import annotations

from pathlib import Path

import click

from harness.store.run_dir import RunDir


def render_run_reports(run_dir: RunDir, reports_root: Path):  # type: ignore[no-untyped-def]
    """Aggregate a run's samples and write its Markdown and HTML reports; return (paths, aggregates)."""
    from harness.aggregate import aggregate
    from harness.report.render import render_reports

    from harness.suite_metrics import collector_for

    manifest = run_dir.read_manifest()
    out_dir = reports_root / manifest.run_id
    with collector_for(manifest) as collector:  # fed by the same pass as the aggregates
        aggregates = aggregate(collector.tap(run_dir.iter_samples()), manifest)
        suite_metrics = collector.finish()
    paths = render_reports(manifest, run_dir.iter_samples, out_dir, aggregates=aggregates, suite_metrics=suite_metrics)
    return paths, aggregates


def report_command(run_ref: str, output_dir: Path) -> None:
    """Re-render the reports of one stored run and print their paths."""
    run_dir = RunDir.open(output_dir / "results", run_ref)
    paths, _ = render_run_reports(run_dir, output_dir / "reports")
    click.echo(f"markdown: {paths.markdown}")
    click.echo(f"html:     {paths.html}")
