"""`verticalbench roi RUN --volume N`: monthly cost, answers gained, value per dollar, net value and break-even per vertical."""

from __future__ import annotations

from pathlib import Path

import click

from harness.store.run_dir import RunDir


def roi_command(run_ref: str, volume: list[str], mix: list[str], value_per_correct: float | None,
                cost_per_error: float | None, fixed_monthly: float, output_dir: Path, save: bool) -> None:
    """Print the ROI of every comparison of RUN; keep the inputs with the run and re-render its reports."""
    from harness.aggregate import aggregate
    from harness.commands.report_command import render_run_reports
    from harness.roi.analysis import RoiRequest, roi_rows
    from harness.roi.tables import ROI_COLUMNS, roi_cells, scenario_text

    run_dir = RunDir.open(output_dir / "results", run_ref)
    manifest = run_dir.read_manifest()
    request = RoiRequest(volume=volume, mix=mix, value_per_correct=value_per_correct,
                         cost_per_error=cost_per_error, fixed_monthly=fixed_monthly)
    figures = aggregate(run_dir.iter_samples(), manifest)
    rows = roi_rows(figures, request)
    click.echo(f"run {manifest.run_id}: ROI per vertical; {scenario_text(rows)}")
    width = max(len(title) for _, title in ROI_COLUMNS)
    for row in rows:
        cells = roi_cells(row)
        click.echo("")
        click.echo(f"{row.vertical}: {row.specialized} against {row.frontier}")
        for key, title in ROI_COLUMNS[3:]:
            click.echo(f"  {title.ljust(width)}  {cells[key]}")
    if not rows:
        click.echo("no vertical has both a comparison with answered items and a volume")
    skipped = sorted({c.vertical for c in figures.comparisons} - {row.vertical for row in rows})
    if skipped:
        click.echo(f"\nno ROI for {', '.join(skipped)}: no volume given, or no item answered by both models")
    if save:
        manifest.cost_analysis["roi"] = request.model_dump(mode="json")
        run_dir.write_manifest(manifest)
        paths, _ = render_run_reports(run_dir, output_dir / "reports")
        click.echo("")
        click.echo(f"inputs kept with the run; the reports' ROI section now uses them: {paths.markdown}")
