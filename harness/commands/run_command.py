"""`verticalbench run`: execute a config with a progress bar, then print where everything went."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import click
from tqdm import tqdm

from harness.commands.report_command import render_run_reports
from harness.commands.tables import format_table, money, percent
from harness.config import load_config
from harness.errors import ConfigError
from harness.store.records import Sample
from harness.store.run_dir import RunDir

logger = logging.getLogger(__name__)

# tqdm's monitor thread (for every bar, the datasets library's too) would keep the run from
# forking its call workers, which must start while this process has a single thread.
tqdm.monitor_interval = 0


class _Progress:
    """A tqdm bar that shows items done, errors, tokens and cost so far."""

    def __init__(self, add_file_log: Callable[[Path], logging.Handler]) -> None:
        self.bar: tqdm | None = None
        self.errors = 0
        self.tokens = 0
        self.cost = 0.0
        self.unpriced = 0
        self.run_id: str | None = None
        self._add_file_log = add_file_log

    def on_plan(self, run_dir: RunDir, pending: int) -> None:
        self.run_id = run_dir.run_id
        self._add_file_log(run_dir.path / "logs" / "run.log")
        click.echo(f"run {run_dir.run_id}: {pending} sample(s) to request")
        self.bar = tqdm(total=pending, unit="item", dynamic_ncols=True)

    def on_sample(self, sample: Sample) -> None:
        self.errors += sample.outcome == "error"
        self.tokens += sample.usage.total_tokens
        if sample.cost_usd is None and sample.outcome != "error":
            self.unpriced += 1
        self.cost += sample.cost_usd or 0.0
        if self.bar is not None:
            postfix = {"errors": self.errors, "tokens": f"{self.tokens:,}", "cost": money(self.cost)}
            if self.unpriced:
                postfix["no cost"] = self.unpriced
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_command(config_path: Path | None, limit: int | None, suite_patterns: list[str], data_dir: Path | None,
                output_dir: Path, resume_id: str | None, code_isolation: str,
                add_file_log: Callable[[Path], logging.Handler], cache_mode: str = "record", cache_dir: Path | None = None) -> None:
    """Start or resume a run, render its reports and print a summary."""
    results_dir = output_dir / "results"
    progress = _Progress(add_file_log)
    cache = (cache_mode, str(cache_dir.resolve()) if cache_dir else None)
    try:
        outcome = _start_or_resume(config_path, limit, suite_patterns, data_dir, results_dir, resume_id, code_isolation, progress, cache)
    except KeyboardInterrupt:
        progress.close()
        run_id = progress.run_id or "RUN_ID"
        click.secho(f"interrupted: finished samples are stored; continue with --resume {run_id}", fg="yellow", err=True)
        raise SystemExit(130) from None
    finally:
        progress.close()

    manifest = outcome.manifest
    paths, aggregates = render_run_reports(outcome.run_dir, output_dir / "reports")
    click.echo("")
    click.echo(f"run id:   {manifest.run_id}")
    click.echo(f"results:  {outcome.run_dir.path}")
    click.echo(f"reports:  {paths.markdown}")
    click.echo(f"          {paths.html}")
    click.echo(f"samples:  {outcome.written} new, {outcome.skipped} already stored")
    click.echo("")
    click.echo(summary_table(aggregates, manifest))
    comparisons = comparison_table(aggregates)
    if comparisons:
        click.echo("")
        click.echo("specialized against frontier, on the items both answered:")
        click.echo(comparisons)
    _report_errors(outcome.run_dir)


def _report_errors(run_dir: RunDir) -> None:
    """Print how many samples failed; exit 1 when every sample of the run failed."""
    total = errors = 0
    for sample in run_dir.iter_samples():
        total += 1
        errors += sample.outcome == "error"
    if not errors:
        return
    click.secho(f"\n{errors} of {total} sample(s) ended in error and are left out of accuracy; "
                "see the report's sample appendix or samples.jsonl for the messages", fg="yellow", err=True)
    if errors == total:
        click.secho("error: every sample failed; check the endpoints, keys and model names in the config", fg="red", err=True)
        raise SystemExit(1)


def comparison_table(aggregates) -> str:  # type: ignore[no-untyped-def]
    """Return the headline table: accuracy advantage, cost differential and value per dollar per vertical."""
    rows = []
    for comparison in aggregates.comparisons:
        interval = comparison.advantage_interval_points
        points = "n/a" if comparison.advantage_points is None else f"{comparison.advantage_points:+.1f} pp"
        if interval is not None and comparison.advantage_points is not None:
            points += f" [{interval[0]:+.1f}, {interval[1]:+.1f}]"
        p_value = "n/a" if comparison.mcnemar_p is None else f"{comparison.mcnemar_p:.3f}"
        rows.append([
            comparison.vertical, comparison.specialized, comparison.frontier, str(comparison.paired_items), points, p_value,
            _signed_percent(comparison.cost_differential), _signed_percent(comparison.value_per_dollar_improvement),
        ])
    headers = ["vertical", "specialized", "frontier", "items", "accuracy advantage [95% CI]", "McNemar p",
               "cost per 1K tokens", "value per $"]
    return format_table(headers, rows) if rows else ""


def _signed_percent(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction * 100:+.1f}%"


def _start_or_resume(config_path: Path | None, limit: int | None, suite_patterns: list[str], data_dir: Path | None,
                     results_dir: Path, resume_id: str | None, code_isolation: str, progress: _Progress,
                     cache: tuple[str, str | None] = ("record", None)):  # type: ignore[no-untyped-def]
    from harness.run import RunOptions, resume_run, start_run

    if resume_id:
        if config_path is not None:
            click.echo("note: --resume uses the config stored with the run; the CONFIG argument is ignored", err=True)
        return resume_run(results_dir, resume_id, progress.on_plan, progress.on_sample)
    if config_path is None:
        raise ConfigError("missing CONFIG: pass a run config such as configs/demo.yaml, or --resume RUN_ID")
    config = load_config(config_path)
    options = RunOptions(limit=limit, suites=suite_patterns, data_dir=str(data_dir.resolve()) if data_dir else None,
                         code_isolation=code_isolation, cache=cache[0], cache_dir=cache[1],  # type: ignore[arg-type]
                         config_path=str(config_path))
    return start_run(config, options, results_dir, progress.on_plan, progress.on_sample)


def summary_table(aggregates, manifest) -> str:  # type: ignore[no-untyped-def]
    """Return the per model and vertical summary printed after a run."""
    rows = []
    for stats in aggregates.by_vertical:
        low_high = stats.accuracy_interval
        interval = f"[{low_high[0] * 100:.0f}, {low_high[1] * 100:.0f}]" if low_high else ""
        rows.append([
            stats.model_id, stats.group, f"{percent(stats.accuracy)} {interval}".strip(), f"{stats.answered}/{stats.items}",
            f"{stats.total_tokens:,}", money(stats.cost_per_1k_tokens, stats.priced), money(stats.total_cost, stats.priced),
            f"{stats.latency_p50:.2f}s" if stats.latency_p50 is not None else "n/a",
        ])
    headers = ["model", "vertical", "accuracy [95% CI]", "answered", "tokens", "$/1K tok", "cost", "p50 latency"]
    return format_table(headers, rows)
