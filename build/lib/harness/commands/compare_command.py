"""`verticalbench compare BASE NEW`: compare two stored runs and optionally gate on regressions.

Exit codes: 0 when the comparison ran (and, with --fail-on-regression, found no regression),
1 when --fail-on-regression is set and a vertical regressed, 2 for an error such as an
unknown run (the CLI's convention for every `VerticalbenchError`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness.compare.runs import compare_runs
from harness.report.comparison import comparison_markdown, verdict_text, write_comparison
from harness.store.run_dir import RunDir

REGRESSION_EXIT_CODE = 1


def compare_command(base_ref: str, new_ref: str, output_dir: Path, pairs: list[tuple[str, str]],
                    fail_on_regression: bool, threshold: float, alpha: float, resamples: int, seed: int,
                    max_flips: int, out_dir: Path | None) -> None:
    """Compare NEW with BASE, write compare.md and compare.html, print the Markdown, and gate if asked."""
    results_dir = output_dir / "results"
    base_dir = RunDir.open(results_dir, base_ref)
    new_dir = RunDir.open(results_dir, new_ref)
    comparison = compare_runs(base_dir, new_dir, pairs=pairs, threshold_points=threshold, alpha=alpha,
                              resamples=resamples, seed=seed)
    target = out_dir or output_dir / "reports" / "compare" / f"{comparison.base.run_id}_vs_{comparison.new.run_id}"
    paths = write_comparison(comparison, target, max_flips)
    click.echo(comparison_markdown(comparison, max_flips))
    click.echo(f"markdown: {paths.markdown}", err=True)
    click.echo(f"html:     {paths.html}", err=True)
    if fail_on_regression and comparison.regressions:
        click.secho(f"failing: {verdict_text(comparison)}", fg="red", err=True)
        sys.exit(REGRESSION_EXIT_CODE)


def parse_pairs(values: tuple[str, ...], models: tuple[str, ...]) -> list[tuple[str, str]]:
    """Turn --pair BASE_ID=NEW_ID and --model ID options into (base id, new id) pairs.

    Raises:
        click.BadParameter: a --pair value has no '=' or an empty side.
    """
    pairs = [(model, model) for model in models]
    for value in values:
        base, separator, new = value.partition("=")
        if not separator or not base or not new:
            raise click.BadParameter(f"{value!r} is not BASE_ID=NEW_ID, e.g. legal-v1=legal-v2", param_hint="--pair")
        pairs.append((base, new))
    return pairs
