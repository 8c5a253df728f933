"""Render the Markdown and HTML comparison reports of a run from its manifest and samples.

Both reports are built from the same pre-formatted table cells, so they print the same
numbers. The HTML template autoescapes every value, and model text is never marked safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from harness.aggregate import SIGNIFICANCE_LEVEL, Aggregates, Comparison, GroupStats, ModelInfo, aggregate
from harness.report.formatting import (
    SIGNIFICANT_MARK,
    format_accuracy,
    format_count_share,
    format_delta,
    format_money,
    format_p_value,
    format_percent,
    format_rate,
    format_seconds,
    format_subtask_accuracy,
    markdown_cell,
    plain_text,
    shorten,
    signed_percent_or,
)
from harness.store.records import Manifest, PriceSnapshot, Sample, SuiteSnapshot
from harness.store.run_dir import write_atomic
from harness.suite_metrics import SuiteMetrics, collector_for
from harness.suite_metrics import describe as describe_suite_metrics

__all__ = ["ReportPaths", "build_context", "environment", "format_money", "format_p_value", "markdown_cell",
           "price_text", "render_reports"]

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "templates"
REPLY_CHARS = 500
"""Characters of each reply shown in the HTML appendix."""
UNPRICED = "unpriced"
NOT_PRICED_RATIO = "n/a (unpriced)"

DEFINITIONS: tuple[str, ...] = (
    "Accuracy = correct / answered. Answered counts every outcome except `error` (a provider or "
    "harness failure), which is left out of the denominator and counted in the Excluded column. "
    "`unparseable`, `truncated` and `refused` replies count as not correct. The mean over items is over samples, "
    "and its 95% interval is the Wilson score interval of that proportion.",
    "Mean over subtasks = the mean of the accuracies of the subtasks (a suite, or one group of a suite such as "
    "an MMLU subject), each weighing the same. Its 95% interval is the Wilson interval at the effective sample "
    "size p(1 - p) / V, where V = sum of p_g(1 - p_g) / n_g over subtasks, divided by the squared number of "
    "subtasks, capped at the number of items.",
    "Outcome rates are shares of all samples of the group, `error` included.",
    "pass@k (items run with several repeats) is the mean over items of 1 - C(n - c, k) / C(n, k), with n answered "
    "repeats of which c are correct (Chen et al. 2021, arXiv:2107.03374). It is shown for k = 1 and for the largest k that every item supports.",
    "Accuracy advantage is computed on the items (repeat 0) that both models answered. "
    "Absolute advantage = acc_S - acc_F in percentage points (pp). Relative advantage = (acc_S - acc_F) / acc_F, "
    "undefined when acc_F = 0.",
    "The 95% interval of the absolute advantage is a paired percentile bootstrap over those items. "
    "The p-value is the two-sided exact McNemar test on the items that exactly one of the two models answered correctly. "
    "Holm p adjusts it by Holm's step-down method across the verticals compared for the same pair of models. "
    f"A difference marked {SIGNIFICANT_MARK} has a Holm p below {SIGNIFICANCE_LEVEL}.",
    "Cost per 1K tokens = total cost / total tokens (input, cached input, cache writes, output and reasoning) x 1000, "
    "over the model's samples on the whole vertical that have a cost, so it reflects the real input/output mix. "
    "Cost differential = (c_S - c_F) / c_F.",
    "Cost per item and cost per correct answer divide the total cost by the samples, or the correct answers, "
    "that have a cost. Correct per $ (value per dollar) = correct answers / total cost, and its improvement "
    "is vpd_S / vpd_F - 1.",
    "A model without a price is shown as unpriced, never as $0, and every ratio against it as n/a (unpriced). "
    "Samples whose token usage was not reported have no cost; their count is shown and they are left out of cost figures.",
    "Latency p50 and p95 are percentiles, by linear interpolation, of the wall-clock seconds of the successful call.",
)


SIGNIFICANCE_NOTE = (
    f"Differences marked {SIGNIFICANT_MARK} are significant: their McNemar p, Holm-adjusted across the "
    f"verticals of the same model pair, is below {SIGNIFICANCE_LEVEL}."
)


@dataclass(frozen=True)
class ReportPaths:
    """Files written by `render_reports`."""

    markdown: Path
    html: Path


def render_reports(
    manifest: Manifest,
    samples_iterable_factory: Callable[[], Iterable[Sample]],
    out_dir: str | Path,
    *,
    appendix_limit: int | None = None,
    resamples: int = 2000,
    seed: int = 0,
    aggregates: Aggregates | None = None,
    suite_metrics: SuiteMetrics | None = None,
) -> ReportPaths:
    """Aggregate a run's samples and write `report.md` and `report.html` into out_dir.

    Args:
        manifest: the run manifest.
        samples_iterable_factory: returns a fresh iterable of the run's samples on each call.
            It is called twice, once for the figures and once for the HTML appendix, so the
            samples never need to be in memory together.
        out_dir: directory for the reports; created if missing.
        appendix_limit: maximum samples listed in the HTML appendix; None lists all.
        resamples: bootstrap resamples per comparison.
        seed: bootstrap seed.
        aggregates: figures the caller already computed with `aggregate`; the factory is
            then called only once, for the appendix, and resamples and seed are unused.
        suite_metrics: figures from `harness.suite_metrics`; when None they are computed in
            the same pass as the aggregates, or left out if the caller passes `aggregates`.

    Raises:
        ValueError: the factory returned the same iterator on both calls.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first_pass = None
    if aggregates is None:
        first_pass = samples_iterable_factory()
        with collector_for(manifest) as collector:
            aggregates = aggregate(collector.tap(first_pass), manifest, resamples=resamples, seed=seed)
            suite_metrics = suite_metrics or collector.finish()
    context = {**build_context(manifest, aggregates), "suite_metrics": describe_suite_metrics(suite_metrics or SuiteMetrics())}
    env = environment()
    paths = ReportPaths(markdown=out / "report.md", html=out / "report.html")

    # Written atomically, so that neither a reader nor a crash can leave half a report.
    write_atomic(paths.markdown, env.get_template("report.md.j2").stream(**context))
    second_pass = samples_iterable_factory()
    if second_pass is first_pass and iter(second_pass) is second_pass:
        raise ValueError(
            "samples_iterable_factory returned the same iterator twice, so the appendix would be empty; "
            "return a new iterable on each call, e.g. a function that reopens the samples file"
        )
    appendix = _appendix_rows(second_pass, appendix_limit)
    total = sum(stats.items for stats in aggregates.by_vertical)
    html_context = {
        **context,
        "appendix": appendix,
        "appendix_limit": appendix_limit,
        "appendix_total": total,
        "reply_chars": REPLY_CHARS,
    }
    write_atomic(paths.html, env.get_template("report.html.j2").stream(**html_context))
    logger.info("wrote reports of run %s to %s and %s", manifest.run_id, paths.markdown, paths.html)
    return paths


def environment() -> Environment:
    """Return the Jinja environment of the report templates, with autoescaping on for HTML."""
    # Escaping is on for every template except Markdown, so a new template is safe by default.
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=lambda name: not (name or "").endswith(".md.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_cell
    return env


def build_context(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any]:
    """Build the template variables shared by both reports, with every number formatted."""
    return {
        "run": {**_run_info(manifest), "incomplete": _incomplete_text(manifest, aggregates)},
        "models": [_model_row(model, manifest.prices.get(model.id)) for model in aggregates.models],
        "suites": [_suite_row(suite) for suite in manifest.suites.values()],
        "vertical_rows": [_group_row(stats) for stats in aggregates.by_vertical],
        "suite_rows": [_group_row(stats) for stats in aggregates.by_suite],
        "excluded": _excluded_text(aggregates.by_vertical),
        "pass_rows": [_pass_row(stats) for stats in aggregates.by_suite if stats.pass_at_k],
        "advantage_rows": [_advantage_row(c, aggregates) for c in aggregates.comparisons],
        "cost_rows": [_cost_row(c, aggregates) for c in aggregates.comparisons],
        "value_rows": [_value_row(c, aggregates) for c in aggregates.comparisons],
        "uncompared": _uncompared_verticals(aggregates),
        "significance_note": SIGNIFICANCE_NOTE,
        "definitions": DEFINITIONS,
        "costs": _cost_section(manifest, aggregates),
        "routing": _routing_section(manifest),
    }


def _cost_section(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any]:
    """The cost and ROI section's variables (see harness.roi.report)."""
    from harness.roi.report import cost_section  # deferred: harness.roi imports the report's formatting

    return cost_section(manifest, aggregates)


def _routing_section(manifest: Manifest) -> dict[str, Any] | None:
    """Return the routing section's variables, or None when `verticalbench route` has not analysed the run."""
    from harness.routing.report import routing_context  # deferred: routing imports the report's formatting

    return routing_context(manifest)


def _incomplete_text(manifest: Manifest, aggregates: Aggregates) -> str | None:
    """Say how much of an unfinished run is stored, so missing rows are not mistaken for results."""
    stored = sum(stats.items for stats in aggregates.by_vertical)
    if manifest.status == "finished" and stored >= manifest.planned_samples:
        return None
    return (
        f"This run is {manifest.status}: {stored:,} of {manifest.planned_samples:,} planned samples are stored, "
        f"so some rows may be missing or rest on fewer items. Finish it with `verticalbench run --resume {manifest.run_id}`."
    )


def _run_info(manifest: Manifest) -> dict[str, Any]:
    return {
        "id": manifest.run_id,
        "name": manifest.name,
        "started_at": manifest.started_at,
        "finished_at": manifest.finished_at or "not finished",
        "status": manifest.status,
        "config_hash": manifest.config_hash,
        "versions": sorted(manifest.versions.items()),
        "sandbox": manifest.sandbox or "not recorded",
    }


def _suite_row(suite: SuiteSnapshot) -> dict[str, str]:
    return {
        "suite": suite.suite,
        "vertical": suite.vertical,
        "item_count": f"{suite.items:,}",
        "scorer": suite.scorer,
        "source": suite.source,
        "fingerprint": suite.fingerprint[:12],
    }


def _model_row(model: ModelInfo, price: PriceSnapshot | None) -> dict[str, str]:
    verticals = ", ".join(model.verticals)
    if model.role == "frontier" and not verticals:
        verticals = "all (baseline)"
    return {
        "id": model.id,
        "model": model.model,
        "role": model.role,
        "verticals": verticals or "none listed",
        "description": model.description or "no description",
        "price": price_text(price),
    }


def price_text(price: PriceSnapshot | None) -> str:
    """Describe a price per million tokens with its source, or return 'unpriced'."""
    if price is None or not price.priced:
        return UNPRICED
    parts = [f"{format_money(price.input_per_million)} input", f"{format_money(price.output_per_million)} output"]
    if price.cached_input_per_million is not None:
        parts.append(f"{format_money(price.cached_input_per_million)} cached input")
    if price.cache_write_per_million is not None:
        parts.append(f"{format_money(price.cache_write_per_million)} cache write")
    text = " / ".join(parts) + f" per 1M tokens ({price.currency}); source: {price.source}"
    if price.as_of:
        text += f", as of {price.as_of}"
    if price.detail:
        text += f"; {price.detail}"
    return text


def _group_row(stats: GroupStats) -> dict[str, str]:
    rates = stats.outcome_rates
    return {
        "model": stats.model_id,
        "group": stats.group,
        "accuracy": format_accuracy(stats.accuracy, stats.accuracy_interval),
        "subtask_accuracy": format_subtask_accuracy(stats.subtask_accuracy, stats.subtask_interval, stats.subtasks),
        "item_count": f"{stats.items:,}",
        "answered": f"{stats.answered:,}",
        "excluded": format_count_share(stats.excluded, stats.items),
        "tokens": _tokens_text(stats),
        "total_cost": _total_cost_text(stats),
        "per_1k": _money_cell(stats, stats.cost_per_1k_tokens),
        "per_item": _money_cell(stats, stats.cost_per_item),
        "per_correct": _money_cell(stats, stats.cost_per_correct),
        "per_dollar": _money_cell(stats, stats.value_per_dollar, formatter=format_rate),
        "p50": format_seconds(stats.latency_p50),
        "p95": format_seconds(stats.latency_p95),
        **{name: format_percent(rates.get(name)) for name in ("unparseable", "truncated", "refused")},
    }


def _excluded_text(by_vertical: tuple[GroupStats, ...]) -> str:
    """Say how many samples ended in `error` and so were left out of every accuracy."""
    parts = [f"{stats.model_id} on {stats.group}: {stats.excluded:,}" for stats in by_vertical if stats.excluded]
    if not parts:
        return "No sample ended in `error`, so every sample counts in the accuracy figures."
    total = sum(stats.excluded for stats in by_vertical)
    subject = "1 sample ended in `error` and is" if total == 1 else f"{total:,} samples ended in `error` and are"
    return f"{subject} excluded from accuracy ({'; '.join(parts)})."


def _pass_row(stats: GroupStats) -> dict[str, str]:
    return {
        "model": stats.model_id,
        "group": stats.group,
        "repeats": f"{stats.max_repeats:,}",
        "pass_values": ", ".join(f"pass@{k} {format_percent(value)}" for k, value in stats.pass_at_k),
    }


def _tokens_text(stats: GroupStats) -> str:
    text = f"{stats.total_tokens:,} ({stats.input_tokens:,} in / {stats.output_tokens:,} out)"
    if stats.usage_missing:
        text += f"; usage missing for {stats.usage_missing}"
    return text


def _total_cost_text(stats: GroupStats) -> str:
    text = _money_cell(stats, stats.total_cost)
    if stats.cost_missing:
        text += f" ({stats.cost_missing} without cost excluded)"
    return text


def _money_cell(stats: GroupStats | None, value: float | None, formatter: Callable[[float], str] | None = None) -> str:
    if stats is None:
        return "n/a"
    if not stats.priced:
        return UNPRICED
    if value is None:
        return "n/a"
    return (formatter or format_money)(value)


def _advantage_row(comparison: Comparison, aggregates: Aggregates) -> dict[str, str]:
    c = comparison
    no_items = c.paired_items == 0
    relative = "n/a (no common items)" if no_items else signed_percent_or(c.advantage_relative, "n/a (frontier accuracy 0)")
    return {
        "vertical": c.vertical,
        "specialized": c.specialized,
        "frontier": c.frontier,
        "item_count": f"{c.paired_items:,}",
        "relative": relative,
        "absolute": "n/a" if no_items else format_delta(c.advantage_points, c.advantage_interval_points, c.significant),
        "p": format_p_value(c.mcnemar_p),
        "p_holm": format_p_value(c.mcnemar_p_holm),
        "cost_differential": _pair_ratio(c, aggregates, c.cost_differential),
    }


def _cost_row(comparison: Comparison, aggregates: Aggregates) -> dict[str, str]:
    c = comparison
    s_stats = aggregates.vertical_stats(c.specialized, c.vertical)
    f_stats = aggregates.vertical_stats(c.frontier, c.vertical)
    delta = "n/a (no common items)"
    if c.paired_items:
        delta = (
            f"{format_delta(c.advantage_points, c.advantage_interval_points, c.significant)} "
            f"({format_percent(c.accuracy_specialized)} vs {format_percent(c.accuracy_frontier)})"
        )
    return {
        "vertical": c.vertical,
        "specialized": c.specialized,
        "specialized_per_1k": _money_cell(s_stats, c.cost_per_1k_specialized),
        "frontier": c.frontier,
        "frontier_per_1k": _money_cell(f_stats, c.cost_per_1k_frontier),
        "delta": delta,
    }


def _value_row(comparison: Comparison, aggregates: Aggregates) -> dict[str, str]:
    c = comparison
    s_stats = aggregates.vertical_stats(c.specialized, c.vertical)
    f_stats = aggregates.vertical_stats(c.frontier, c.vertical)
    return {
        "vertical": c.vertical,
        "specialized": c.specialized,
        "specialized_vpd": _money_cell(s_stats, c.value_per_dollar_specialized, format_rate),
        "frontier": c.frontier,
        "frontier_vpd": _money_cell(f_stats, c.value_per_dollar_frontier, format_rate),
        "improvement": _pair_ratio(c, aggregates, c.value_per_dollar_improvement),
    }


def _pair_ratio(comparison: Comparison, aggregates: Aggregates, value: float | None) -> str:
    """Format a ratio between the two models of a comparison, naming why it is missing."""
    for model_id in (comparison.specialized, comparison.frontier):
        stats = aggregates.vertical_stats(model_id, comparison.vertical)
        if stats is None or not stats.priced:
            return NOT_PRICED_RATIO
    return signed_percent_or(value, "n/a")


def _uncompared_verticals(aggregates: Aggregates) -> list[str]:
    compared = {c.vertical for c in aggregates.comparisons}
    return sorted({stats.group for stats in aggregates.by_vertical} - compared)


def _appendix_rows(samples: Iterable[Sample], limit: int | None) -> Iterator[dict[str, str]]:
    """Yield one row of plain text per sample; the HTML template escapes every field."""
    for index, sample in enumerate(samples):
        if limit is not None and index >= limit:
            return
        yield {
            "suite": sample.suite,
            "item": sample.item_id if sample.repeat == 0 else f"{sample.item_id} (repeat {sample.repeat})",
            "model": sample.model_id,
            "outcome": sample.outcome,
            "extracted": plain_text(sample.extracted),
            "reference": plain_text(sample.reference),
            "reply": _reply_text(sample),
        }


def _reply_text(sample: Sample) -> str:
    if sample.reply is None:
        if sample.error is not None:
            return f"[error] {sample.error.type}: {sample.error.message}"[:REPLY_CHARS]
        return ""
    return shorten(sample.reply, REPLY_CHARS)
