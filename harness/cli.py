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
    status = logging.getLogger("harness.status")
    status.setLevel(logging.INFO)
    status.propagate = verbose
    if not verbose:
        status_handler = _TqdmHandler(sys.stderr)
        status_handler.setFormatter(logging.Formatter("%(message)s"))
        status.addHandler(status_handler)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # LiteLLM logs every call at INFO through its own handler, and with -v through the root
    # logger's as well. Keep it to warnings unless the user set LITELLM_LOG.
    if "LITELLM_LOG" not in os.environ:
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.WARNING)
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
@click.option("--dry-run", is_flag=True,
              help="Print the tokens and dollars per model and suite the run would spend; call no model, start no server.")
@click.option("--cache", "cache_mode", type=click.Choice(["record", "use", "replay", "off"]), default="record", show_default=True,
              help="Response cache: record stores replies; use also reads them instead of calling; "
                   "replay reads only and calls no model; off does neither.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VERTICALBENCH_CACHE_DIR",
              help="Folder of the response cache [default: <output-dir>/cache] (env: VERTICALBENCH_CACHE_DIR).")
def run(config: Path | None, limit: int | None, suite_patterns: tuple[str, ...], data_dir: Path | None,
        output_dir: Path, resume_id: str | None, code_isolation: str, dry_run: bool, cache_mode: str,
        cache_dir: Path | None) -> None:
    """Run every (model, suite, item) of a YAML run CONFIG and write results and reports."""
    if dry_run:
        from harness.commands.dryrun_command import dryrun_command

        dryrun_command(config, limit, list(suite_patterns), data_dir, output_dir, resume_id)
        return
    from harness.commands.run_command import run_command

    run_command(config, limit, list(suite_patterns), data_dir, output_dir, resume_id, code_isolation, _add_file_log,
                cache_mode=cache_mode, cache_dir=cache_dir)


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
              help="Folder that contains results/.")
@click.option("--model", help="Only runs with this model id or LiteLLM model string.")
@click.option("--last", type=click.IntRange(min=1), help="Only the N most recent runs.")
def runs(output_dir: Path, model: str | None, last: int | None) -> None:
    """List the stored runs, oldest first, from the run index (updated first)."""
    from harness.commands.runs_command import runs_command

    runs_command(output_dir, model, last)


@main.command()
@click.argument("model")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that contains results/.")
@click.option("--vertical", help="Only this vertical (with --by-suite: only its suites).")
@click.option("--suite", help="Only this suite, e.g. legal/hearsay; implies --by-suite.")
@click.option("--by-suite", is_flag=True, help="One table per suite instead of per vertical.")
@click.option("--include-unfinished", is_flag=True, help="Also list interrupted and running runs, whose figures are partial.")
def history(model: str, output_dir: Path, vertical: str | None, suite: str | None, by_suite: bool,
            include_unfinished: bool) -> None:
    """Show MODEL's accuracy with 95% intervals, cost and latency per vertical across its runs.

    MODEL is a model id of the run configs or a LiteLLM model string.
    """
    from harness.commands.history_command import history_command

    history_command(model, output_dir, vertical, suite, by_suite, include_unfinished)


@main.command(name="compare")
@click.argument("base_ref", metavar="BASE")
@click.argument("new_ref", metavar="NEW")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder that contains results/ and reports/.")
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
              help="Folder that contains results/.")
@click.option("--rebuild", is_flag=True, help="Recreate results/index.sqlite from the run directories.")
def index_cli(output_dir: Path, rebuild: bool) -> None:
    """Index new or changed runs in results/index.sqlite, or rebuild the index with --rebuild."""
    from harness.commands.index_command import index_command

    index_command(output_dir, rebuild)


_OUTPUT_DIR = click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                           show_default=True, help="Folder that holds results/ and reports/.")


@main.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--prices", "prices_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Price file (YAML or JSON) whose entries replace the run's prices; see docs/costs.md.")
@click.option("--name", help="Name of the repriced copy [default: the price file's name].")
@_OUTPUT_DIR
def reprice(run_ref: str, prices_path: Path, name: str | None, output_dir: Path) -> None:
    """Recompute every cost of RUN under the prices of a file, calling no model.

    The copy goes to results/RUN/reprice-NAME/ and its reports to reports/RUN/reprice-NAME/;
    the run's own samples are not changed.
    """
    from harness.commands.reprice_command import reprice_command

    reprice_command(run_ref, prices_path, name, output_dir)


@main.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--volume", multiple=True, required=True, metavar="N|VERTICAL=N",
              help="Queries a month: N on every compared vertical, or VERTICAL=N (repeatable), or N split by --mix.")
@click.option("--mix", multiple=True, metavar="VERTICAL=SHARE", help="Share of the --volume total per vertical, e.g. legal=0.6 or legal=60% (repeatable).")
@click.option("--value-per-correct", type=click.FloatRange(min=0), help="US dollars a correct answer is worth.")
@click.option("--cost-per-error", type=click.FloatRange(min=0), help="US dollars a wrong or missing answer costs.")
@click.option("--fixed-monthly", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="US dollars a month to host or contract the specialized model, routing overhead included.")
@click.option("--no-save", is_flag=True, help="Only print; keep the run's stored ROI inputs and reports as they are.")
@_OUTPUT_DIR
def roi(run_ref: str, volume: tuple[str, ...], mix: tuple[str, ...], value_per_correct: float | None,
        cost_per_error: float | None, fixed_monthly: float, no_save: bool, output_dir: Path) -> None:
    """Monthly cost, answers gained, value per dollar, net value and break-even volume per vertical of RUN."""
    from harness.commands.roi_command import roi_command

    roi_command(run_ref, list(volume), list(mix), value_per_correct, cost_per_error, fixed_monthly, output_dir, not no_save)


@main.command()
@click.argument("workload", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run", "run_ref", required=True, metavar="RUN", help="The run whose comparisons are tested.")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="Days the query log covers [default: its timestamps, else 30].")
@click.option("--cost-per-error", type=click.FloatRange(min=0), help="US dollars an error costs (overrides the workload file).")
@click.option("--value-per-correct", type=click.FloatRange(min=0), help="US dollars a correct answer is worth (overrides the file).")
@click.option("--budget-monthly", type=click.FloatRange(min=0), help="US dollars a month available for a separate model.")
@click.option("--fixed-monthly", type=click.FloatRange(min=0), help="US dollars a month to host or contract it, routing included.")
@click.option("--min-volume", "min_monthly_volume", type=click.FloatRange(min=0), help="Threshold: queries a month [default: 10000].")
@click.option("--top1-share", type=click.FloatRange(0, 1), help="Threshold: share of the top vertical [default: 0.5].")
@click.option("--top2-share", type=click.FloatRange(0, 1), help="Threshold: share of the top two verticals [default: 0.7].")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), help="Threshold: Holm-adjusted p [default: 0.05].")
@click.option("--specialize-at", type=click.IntRange(0, 5), help="Conditions met to recommend specializing [default: 4].")
@click.option("--pilot-at", type=click.IntRange(0, 5), help="Conditions met to recommend a pilot [default: 3].")
@click.option("--no-save", is_flag=True, help="Only print; keep the run's stored readiness check and reports as they are.")
@_OUTPUT_DIR
def readiness(workload: Path, run_ref: str, days: float | None, cost_per_error: float | None,
              value_per_correct: float | None, budget_monthly: float | None, fixed_monthly: float | None,
              min_monthly_volume: float | None, top1_share: float | None, top2_share: float | None, alpha: float | None,
              specialize_at: int | None, pilot_at: int | None, no_save: bool, output_dir: Path) -> None:
    """Test a WORKLOAD (a CSV or JSONL query log, or YAML volumes per vertical) for a separate specialized model."""
    from harness.commands.readiness_command import readiness_command

    overrides = {"cost_per_error": cost_per_error, "value_per_correct": value_per_correct,
                 "budget_monthly": budget_monthly, "fixed_monthly": fixed_monthly}
    thresholds = {"min_monthly_volume": min_monthly_volume, "top1_share": top1_share, "top2_share": top2_share,
                  "alpha": alpha, "specialize_at": specialize_at, "pilot_at": pilot_at}
    readiness_command(workload, run_ref, days, overrides, thresholds, output_dir, not no_save)


@main.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--policy", "policies", multiple=True, metavar="SPEC",
              help="A policy to replay (repeatable): fixed:MODEL, table:VERTICAL=MODEL,...,*=MODEL, "
                   "classifier[:keyword|trained][:VERTICAL=MODEL,...], cascade:CHEAP,...,STRONG[@THRESHOLD]. "
                   "Default: every fixed model, the role table, both classifiers and a cascade. The oracle is always shown.")
@click.option("--constraints", help="What the chosen policy must meet, e.g. 'min_accuracy=0.8,max_cost_per_query=0.002,max_p95_latency_s=3'.")
@click.option("--model", "models", multiple=True, help="Compare only these model ids (repeatable; at least two).")
@click.option("--classifier", "classifiers", multiple=True, type=click.Choice(["keyword", "trained"]),
              help="Classifier kinds of the default policies (repeatable) [default: both].")
@click.option("--rules", type=click.Path(dir_okay=False, path_type=Path), help="Keyword rules YAML [default: the shipped rules].")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VERTICALBENCH_DATA_DIR",
              help="Local copies of the public suites, added to the classifier's training data (env: VERTICALBENCH_DATA_DIR).")
@click.option("--per-suite", type=click.IntRange(min=1), default=200, show_default=True, help="Training items drawn from each suite.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True, help="Folds of the trained classifier's out-of-fold evaluation.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the folds and of training.")
@click.option("--classifier-cost", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="US dollars per classification, added to every classifier-routed item.")
@click.option("--baseline", "baseline_ref", metavar="RUN",
              help="For a live routed RUN: replay its router policy on this run, where every model answered, and compare.")
@click.option("--no-save", is_flag=True, help="Only print; keep the run's stored routing analysis and reports as they are.")
@_OUTPUT_DIR
def route(run_ref: str, policies: tuple[str, ...], constraints: str | None, models: tuple[str, ...],
          classifiers: tuple[str, ...], rules: Path | None, data_dir: Path | None, per_suite: int, folds: int, seed: int,
          classifier_cost: float, baseline_ref: str | None, no_save: bool, output_dir: Path) -> None:
    """Replay routing policies on RUN's stored samples: accuracy, cost, AIQ, APGR and the best policy per vertical."""
    from harness.commands.route_command import RouteRequest, route_command

    route_command(RouteRequest(run_ref, output_dir, list(policies), constraints, list(models), list(classifiers), rules,
                               data_dir, per_suite, folds, seed, classifier_cost, baseline_ref, not no_save))


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
