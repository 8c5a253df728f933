"""Command-line interface: `verticalbench run | report | suites`.

Only this module prints. Library modules log through `logging` and raise
`VerticalbenchError` subclasses, which are shown here as one line without a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from harness.errors import VerticalbenchError
from harness.store.records import Sample

logger = logging.getLogger("harness")


class _TqdmHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write log lines above any progress bar instead of through it."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # logging must never break the run
            self.handleError(record)


def _setup_logging(verbose: bool) -> None:
    handler = _TqdmHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # LiteLLM logs every call at INFO through its own handler; keep it to warnings.
    os.environ.setdefault("LITELLM_LOG", "ERROR")


def _add_file_log(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger("harness").addHandler(handler)
    logging.getLogger("harness").setLevel(logging.INFO)
    return handler


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except VerticalbenchError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details (retries, server start-up) to stderr.")
@click.version_option(package_name="verticalbench")
def main(verbose: bool) -> None:
    """Compare specialized and frontier language models per vertical on accuracy per dollar."""
    _setup_logging(verbose)


@main.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", type=click.IntRange(min=1), help="Items per suite (a seeded sample); overrides the config.")
@click.option("--suites", "suite_patterns", multiple=True, help="Run only suites matching this glob, e.g. 'legal/*' (repeatable).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VERTICALBENCH_DATA_DIR",
              help="Folder with local copies of public datasets (env: VERTICALBENCH_DATA_DIR).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that receives results/<run-id>/ and reports/<run-id>/.")
@click.option("--resume", "resume_id", help="Finish the stored run with this id; samples already stored are not requested again.")
@click.option("--code-isolation", type=click.Choice(["auto", "bubblewrap", "unshare", "none"]), default="auto", show_default=True,
              help="Sandbox for model-written code.")
def run(config: Path | None, limit: int | None, suite_patterns: tuple[str, ...], data_dir: Path | None,
        output_dir: Path, resume_id: str | None, code_isolation: str) -> None:
    """Run every (model, suite, item) of a YAML run CONFIG and write results and reports."""
    from harness.commands.run_command import run_command

    run_command(config, limit, list(suite_patterns), data_dir, output_dir, resume_id, code_isolation, _add_file_log)


@main.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that holds results/ and reports/.")
def report(run_ref: str, output_dir: Path) -> None:
    """Re-render the reports of RUN (a run id or folder) from stored samples, calling no model."""
    from harness.commands.report_command import report_command

    report_command(run_ref, output_dir)


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VERTICALBENCH_DATA_DIR",
              help="Count items from these local copies (env: VERTICALBENCH_DATA_DIR).")
def suites(data_dir: Path | None) -> None:
    """List the suites by vertical with source, size and scorer."""
    from harness.commands.suites_command import suites_command

    suites_command(data_dir)


@main.command()
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that holds results/.")
@click.option("--model", help="Only runs with this model id or LiteLLM model string.")
@click.option("--last", type=click.IntRange(min=1), help="Only the N most recent runs.")
def runs(output_dir: Path, model: str | None, last: int | None) -> None:
    """List the stored runs, oldest first, from the run index (updated first)."""
    from harness.commands.runs_command import runs_command

    runs_command(output_dir, model, last)


@main.command()
@click.argument("model")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that holds results/.")
@click.option("--vertical", "group", help="Only this vertical (with --by-suite: only this suite).")
@click.option("--by-suite", is_flag=True, help="One table per suite instead of per vertical.")
@click.option("--include-unfinished", is_flag=True, help="Also list interrupted and running runs, whose figures are partial.")
def history(model: str, output_dir: Path, group: str | None, by_suite: bool, include_unfinished: bool) -> None:
    """Show MODEL's accuracy with 95% intervals, cost and latency per vertical across its runs.

    MODEL is a model id of the run configs or a LiteLLM model string.
    """
    from harness.commands.history_command import history_command

    history_command(model, output_dir, group, by_suite, include_unfinished)


@main.command(name="compare")
@click.argument("base_ref", metavar="BASE")
@click.argument("new_ref", metavar="NEW")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that holds results/ and reports/.")
@click.option("--model", "models", multiple=True, help="Compare only this model id, present in both runs (repeatable).")
@click.option("--pair", "pair_values", multiple=True, metavar="BASE_ID=NEW_ID",
              help="Compare model BASE_ID of BASE with model NEW_ID of NEW, e.g. legal-v1=legal-v2 (repeatable).")
@click.option("--fail-on-regression", is_flag=True,
              help="Exit with code 1 when a vertical drops by more than --threshold points with Holm p below --alpha.")
@click.option("--threshold", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Smallest accuracy drop, in percentage points, that counts as a regression.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="Significance level for the Holm-adjusted McNemar p-value.")
@click.option("--resamples", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Bootstrap resamples per interval.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--max-flips", type=click.IntRange(min=0), default=20, show_default=True,
              help="Flipped items listed per model and direction.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for compare.md and compare.html [default: <output-dir>/reports/compare/BASE_vs_NEW].")
def compare_runs_cli(base_ref: str, new_ref: str, output_dir: Path, models: tuple[str, ...], pair_values: tuple[str, ...],
                     fail_on_regression: bool, threshold: float, alpha: float, resamples: int, seed: int,
                     max_flips: int, out_dir: Path | None) -> None:
    """Compare run NEW with run BASE on the items both answered, per model, vertical and suite.

    Prints Markdown for a pull-request comment and writes it with an HTML version. Exit
    codes: 0 done, 1 regression found with --fail-on-regression, 2 error.
    """
    from harness.commands.compare_command import compare_command, parse_pairs

    pairs = parse_pairs(pair_values, models)
    compare_command(base_ref, new_ref, output_dir, pairs, fail_on_regression, threshold, alpha, resamples, seed,
                    max_flips, out_dir)


@main.command(name="index")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that holds results/.")
@click.option("--rebuild", is_flag=True, help="Recreate results/index.sqlite from the run directories.")
def index_cli(output_dir: Path, rebuild: bool) -> None:
    """Index new or changed runs in results/index.sqlite, or rebuild the index with --rebuild."""
    from harness.commands.index_command import index_command

    index_command(output_dir, rebuild)


def format_sample_postfix(errors: int, tokens: int, cost: float, unpriced: int) -> dict[str, str]:
    """Return the progress bar's postfix fields."""
    shown = {"errors": str(errors), "tokens": f"{tokens:,}", "cost": f"${cost:.4f}"}
    if unpriced:
        shown["unpriced"] = str(unpriced)
    return shown


def sample_tokens(sample: Sample) -> int:
    """Return the tokens a sample used, for the progress bar."""
    return sample.usage.total_tokens


if __name__ == "__main__":
    main()
