"""`verticalbench route`: replay routing policies on a stored run, print the comparison and add it to the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from harness.commands.tables import format_table
from harness.routing.live_report import LiveSummary
from harness.routing.results import RoutingAnalysis
from harness.store.run_dir import RunDir


@dataclass(frozen=True)
class RouteRequest:
    """The options of one `verticalbench route` call."""

    run_ref: str
    output_dir: Path
    policies: list[str]
    constraints: str | None
    models: list[str]
    classifiers: list[str]
    rules: Path | None
    data_dir: Path | None
    per_suite: int
    folds: int
    seed: int
    classifier_cost: float
    baseline_ref: str | None
    save: bool


def route_command(request: RouteRequest) -> None:
    """Analyse one stored run, print the tables, store the analysis in the manifest and re-render the reports.

    A live routed run is summarised from its route records (and compared with its policy
    replayed on --baseline). The offline analysis runs when the run also contains samples of
    every model on the same items.
    """
    from harness.routing.analysis import AnalysisOptions, analyse
    from harness.routing.live_report import routed_samples, summarise_live
    from harness.routing.select import parse_constraints
    from harness.routing.verdicts import ClassifierSetup

    run_dir = RunDir.open(request.output_dir / "results", request.run_ref)
    manifest = run_dir.read_manifest()
    setup = ClassifierSetup(rules_path=request.rules, data_dir=request.data_dir, per_suite=request.per_suite,
                            folds=request.folds, seed=request.seed, cost_per_query_usd=request.classifier_cost)
    live = routed_samples(run_dir.iter_samples())
    if live:
        click.echo(format_live(summarise_live(live, manifest), manifest.run_id))
        if request.baseline_ref:
            click.echo(_baseline_text(run_dir, request, setup))
        if all(sample.route is not None for sample in run_dir.iter_samples()):
            return
        click.echo("")
    options = AnalysisOptions(
        models=tuple(request.models), policy_texts=tuple(request.policies), constraints=parse_constraints(request.constraints),
        classifiers=tuple(request.classifiers) or ("keyword", "trained"), setup=setup,
    )
    analysis = analyse(run_dir.iter_samples(), manifest, options)
    click.echo(format_analysis(analysis))
    if request.save:
        from harness.commands.report_command import render_run_reports

        manifest.routing = analysis.model_dump(mode="json")
        run_dir.write_manifest(manifest)
        paths, _ = render_run_reports(run_dir, request.output_dir / "reports")
        click.echo("")
        click.echo(f"markdown: {paths.markdown}")
        click.echo(f"html:     {paths.html}")


def _baseline_text(run_dir: RunDir, request: RouteRequest, setup: object) -> str:
    """Return the live run set against its policy replayed on the baseline run."""
    from harness.routing.live_report import simulate_live_policy
    from harness.routing.report import point_row

    baseline = RunDir.open(request.output_dir / "results", request.baseline_ref or "")
    point, matched, compared = simulate_live_policy(run_dir.iter_samples(), run_dir.read_manifest(), baseline.iter_samples(),
                                                    baseline.read_manifest(), setup)
    row = point_row(point)
    table = format_table(["policy", "accuracy", "total cost", "$/query", "p95 s", "items per model"],
                         [[point.policy, row["accuracy"], row["total_cost"], row["per_query"], row["p95"], row["shares"]]])
    return f"\n{table}\nsame final model as the simulation: {matched}/{compared} item(s)"


def format_analysis(analysis: RoutingAnalysis) -> str:
    """Return the terminal view of an analysis: classifiers, policies with AIQ and APGR, and the choice per vertical."""
    from harness.routing.report import point_row
    from harness.routing.select import Constraints

    blocks = [f"run {analysis.run_id}: {analysis.items:,} items answered by {', '.join(analysis.models)}"
              + (f" ({analysis.dropped_items:,} left out: not answered by every model)" if analysis.dropped_items else "")]
    if analysis.classifiers:
        rows = [[c.kind, _percent(c.accuracy), ", ".join(f"{v} {_percent(a)}" for v, a in c.per_vertical.items()),
                 _ms(c.latency_ms_p50), _ms(c.latency_ms_p95), f"${c.cost_per_query_usd:g}"] for c in analysis.classifiers]
        blocks.append("query classifiers\n" + format_table(["classifier", "accuracy", "per vertical", "p50 ms", "p95 ms", "$/query"], rows))
        blocks += [_confusion(c.kind, c.confusion) for c in analysis.classifiers]
    rows = []
    for curve in analysis.curves:
        if curve.point is None:
            rows.append([curve.policy, "", "", "", "", "", "", _ratio(curve.aiq), _ratio(curve.apgr)])
            continue
        cells = point_row(curve.point)
        rows.append([curve.policy, cells["parameter"], cells["accuracy"], cells["per_query"], cells["per_correct"],
                     cells["p95"], cells["shares"], _ratio(curve.aiq), _ratio(curve.apgr)])
    headers = ["policy", "threshold", "accuracy", "$/query", "$/correct", "p95 s", "items per model", "AIQ", "APGR"]
    blocks.append("policies on all items\n" + format_table(headers, rows) + f"\nAPGR: {analysis.apgr_note}")
    constraints = Constraints(**analysis.constraints).describe()
    rows = []
    for choice in analysis.choices:
        cells = point_row(choice.point, choice.scope) if choice.point else None
        rows.append([choice.scope, cells["policy"] if cells else "none", cells["parameter"] if cells else "",
                     cells["accuracy"] if cells else "", cells["per_query"] if cells else "", cells["p95"] if cells else "",
                     "" if cells else choice.note])
    blocks.append(f"chosen policy (constraints: {constraints})\n"
                  + format_table(["scope", "policy", "threshold", "accuracy", "$/query", "p95 s", "note"], rows))
    blocks += [f"note: {note}" for note in analysis.notes]
    return "\n\n".join(blocks)


def format_live(summary: LiveSummary, run_id: str) -> str:
    """Return the terminal view of a live routed run."""
    from harness.routing.report import point_row

    point = summary.point
    row = point_row(point)
    title = f"live routed run {run_id}: {point.items:,} finished item(s)"
    if summary.unfinished:
        title += f", {summary.unfinished:,} unfinished"
    table = format_table(["policy", "accuracy", "total cost", "$/query", "p95 s", "items per model", "escalated", "review"],
                         [[point.policy, row["accuracy"], row["total_cost"], row["per_query"], row["p95"], row["shares"],
                           row["escalated"], row["review"]]])
    decisions = ", ".join(f"{name} {count}" for name, count in summary.decisions.items())
    return f"{title}\n{table}\ndecisions: {decisions}; models skipped with an open circuit: {summary.skipped}"


def _confusion(kind: str, confusion: dict[str, dict[str, int]]) -> str:
    labels = sorted({label for row in confusion.values() for label in row} | set(confusion))
    rows = [[true, *(str(row.get(label, 0)) for label in labels)] for true, row in confusion.items()]
    return f"confusion of the {kind} classifier (rows true, columns predicted)\n" + format_table(["true", *labels], rows)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
