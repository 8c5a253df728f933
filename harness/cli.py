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


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
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
