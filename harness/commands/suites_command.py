"""`verticalbench suites`: list suites by vertical with source, size and scorer."""

from __future__ import annotations

from pathlib import Path

import click

from harness.commands.tables import format_table
from harness.errors import DatasetError
from harness.suites.loader import load_suite, resolve_data_dir
from harness.suites.registry import discover


def suites_command(data_dir: Path | None) -> None:
    """Print one table per vertical; sizes come from the data when it can be read."""
    resolved = resolve_data_dir(data_dir)
    registry = discover()
    by_vertical: dict[str, list[list[str]]] = {}
    problems: list[str] = []
    for suite_id, suite in sorted(registry.items()):
        spec = suite.spec
        size, problem = _size(suite, resolved)
        if problem:
            problems.append(problem)
        source = _source_label(spec)
        by_vertical.setdefault(spec.vertical, []).append([suite_id, spec.kind, source, size, spec.scorer])
    for vertical, rows in by_vertical.items():
        click.echo(f"\n{vertical}")
        click.echo(format_table(["suite", "kind", "source", "items", "scorer"], rows))
    if resolved is None:
        click.echo("\nitems marked '?' need --data-dir (or VERTICALBENCH_DATA_DIR) with local copies of the datasets")
    if problems:
        click.echo("\nitems marked 'missing' have no data file, and 'unreadable' a file that cannot be loaded:")
        for problem in problems:
            click.echo(f"  - {problem}")


def _size(suite, data_dir: Path | None) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    """Return the suite's row count for the table, and the load error when there is one."""
    local = suite.spec.source.local
    if local is None or (local.relative_to == "data_dir" and data_dir is None):
        return "?", None
    try:
        return str(load_suite(suite, data_dir).total_rows), None
    except DatasetError as exc:
        return ("missing" if "no file matches" in str(exc) else "unreadable"), str(exc)


def _source_label(spec) -> str:  # type: ignore[no-untyped-def]
    parts = []
    if spec.source.hub is not None:
        parts.append(f"hub:{spec.source.hub.path}" + (f"/{spec.source.hub.name}" if spec.source.hub.name else ""))
    if spec.source.local is not None:
        parts.append("bundled" if spec.source.local.relative_to == "suite" else "local")
    return ", ".join(parts)
