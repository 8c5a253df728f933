"""Render the Markdown and HTML comparison reports of a run from its manifest and samples.

Both reports are built from the same pre-formatted table cells, so they print the same
numbers. The HTML template autoescapes every value, and model text is never marked safe.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from harness.aggregate import Aggregates, Comparison, GroupStats, ModelInfo, aggregate
from harness.store.records import Manifest, PriceSnapshot, Sample, SuiteSnapshot

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "templates"
REPLY_CHARS = 500
"""Characters of each reply shown in the HTML appendix."""
UNPRICED = "unpriced"
NOT_PRICED_RATIO = "n/a (unpriced)"

DEFINITIONS: tuple[str, ...] = (
    "Accuracy = correct / answered. Answered counts every outcome except `error` (a provider or "
    "harness failure), which is left out of the denominator and shown in its own column. "
    "`unparseable`, `truncated` and `refused` replies count as not correct. The mean is over samples, "
    "not over subtasks, and the 95% interval is the Wilson score interval of that proportion.",
    "Outcome rates are shares of all samples of the group, `error` included.",
    "Accuracy advantage is computed on the items (repeat 0) that both models answered. "
    "Absolute advantage = acc_S - acc_F in percentage points (pp). Relative advantage = (acc_S - acc_F) / acc_F, "
    "undefined when acc_F = 0.",
    "The 95% interval of the absolute advantage is a paired percentile bootstrap over those items. "
    "The p-value is the two-sided exact McNemar test on the items that exactly one of the two models answered correctly.",
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

    Raises:
        ValueError: the factory returned the same iterator on both calls.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first_pass = None
    if aggregates is None:
        first_pass = samples_iterable_factory()
        aggregates = aggregate(first_pass, manifest, resamples=resamples, seed=seed)
    context = build_context(manifest, aggregates)
    env = _environment()
    paths = ReportPaths(markdown=out / "report.md", html=out / "report.html")

    env.get_template("report.md.j2").stream(**context).dump(str(paths.markdown), encoding="utf-8")
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
    env.get_template("report.html.j2").stream(**html_context).dump(str(paths.html), encoding="utf-8")
    logger.info("wrote reports of run %s to %s and %s", manifest.run_id, paths.markdown, paths.html)
    return paths


def _environment() -> Environment:
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


def markdown_cell(value: Any) -> str:
    """Escape a value for a Markdown table cell: pipes, angle brackets and line breaks."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def build_context(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any]:
    """Build the template variables shared by both reports, with every number formatted."""
    return {
        "run": _run_info(manifest),
        "models": [_model_row(model, manifest.prices.get(model.id)) for model in aggregates.models],
        "suites": [_suite_row(suite) for suite in manifest.suites.values()],
        "vertical_rows": [_group_row(stats) for stats in aggregates.by_vertical],
        "suite_rows": [_group_row(stats) for stats in aggregates.by_suite],
        "advantage_rows": [_advantage_row(c, aggregates) for c in aggregates.comparisons],
        "cost_rows": [_cost_row(c, aggregates) for c in aggregates.comparisons],
        "value_rows": [_value_row(c, aggregates) for c in aggregates.comparisons],
        "uncompared": _uncompared_verticals(aggregates),
        "definitions": DEFINITIONS,
    }


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
        "item_count": f"{stats.items:,}",
        "answered": f"{stats.answered:,}",
        "tokens": _tokens_text(stats),
        "total_cost": _total_cost_text(stats),
        "per_1k": _money_cell(stats, stats.cost_per_1k_tokens),
        "per_item": _money_cell(stats, stats.cost_per_item),
        "per_correct": _money_cell(stats, stats.cost_per_correct),
        "per_dollar": _money_cell(stats, stats.value_per_dollar, formatter=format_rate),
        "p50": format_seconds(stats.latency_p50),
        "p95": format_seconds(stats.latency_p95),
        **{name: format_percent(rates.get(name)) for name in ("unparseable", "truncated", "refused", "error")},
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
    relative = "n/a (no common items)" if no_items else _signed_percent_or(c.advantage_relative, "n/a (frontier accuracy 0)")
    return {
        "vertical": c.vertical,
        "specialized": c.specialized,
        "frontier": c.frontier,
        "item_count": f"{c.paired_items:,}",
        "relative": relative,
        "absolute": "n/a" if no_items else format_points(c.advantage_points, c.advantage_interval_points),
        "p": format_p_value(c.mcnemar_p),
        "cost_differential": _pair_ratio(c, aggregates, c.cost_differential),
    }


def _cost_row(comparison: Comparison, aggregates: Aggregates) -> dict[str, str]:
    c = comparison
    s_stats = aggregates.vertical_stats(c.specialized, c.vertical)
    f_stats = aggregates.vertical_stats(c.frontier, c.vertical)
    delta = "n/a (no common items)"
    if c.paired_items:
        delta = (
            f"{format_points(c.advantage_points, None)} "
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
    return _signed_percent_or(value, "n/a")


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
            "extracted": _plain(sample.extracted),
            "reference": _plain(sample.reference),
            "reply": _reply_text(sample),
        }


def _reply_text(sample: Sample) -> str:
    if sample.reply is None:
        if sample.error is not None:
            return f"[error] {sample.error.type}: {sample.error.message}"[:REPLY_CHARS]
        return ""
    if len(sample.reply) <= REPLY_CHARS:
        return sample.reply
    return sample.reply[:REPLY_CHARS] + f"… [{len(sample.reply) - REPLY_CHARS:,} more characters]"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


# --- number formatting ---------------------------------------------------------------


def format_money(value: float | None) -> str:
    """Format US dollars with 3 significant digits below $1, so local-compute costs stay readable.

    Examples: 1234.5 -> '$1,234.50', 0.5 -> '$0.50', 0.0013333 -> '$0.00133', 0.000012 -> '$0.000012'.
    """
    if value is None:
        return "n/a"
    if value == 0:
        return "$0.00"
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{'-' if value < 0 else ''}${magnitude:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(magnitude)))
    digits = f"{magnitude:.{decimals}f}".rstrip("0")
    whole, _, fraction = digits.partition(".")
    return f"{'-' if value < 0 else ''}${whole}.{fraction.ljust(2, '0')}"


def format_rate(value: float) -> str:
    """Format correct answers per dollar."""
    return f"{value:,.1f}" if value >= 10 else f"{value:.3g}"


def format_percent(fraction: float | None) -> str:
    """Format a fraction as a percentage with one decimal, e.g. 0.6667 -> '66.7%'."""
    return "n/a" if fraction is None else f"{fraction * 100:.1f}%"


def _signed_percent_or(fraction: float | None, missing: str) -> str:
    return missing if fraction is None else f"{fraction * 100:+,.1f}%"


def format_accuracy(accuracy: float | None, interval: tuple[float, float] | None) -> str:
    """Format an accuracy with its interval, e.g. '66.7% [20.8, 93.9]'."""
    if accuracy is None:
        return "n/a (nothing answered)"
    if interval is None:
        return format_percent(accuracy)
    return f"{accuracy * 100:.1f}% [{interval[0] * 100:.1f}, {interval[1] * 100:.1f}]"


def format_points(points: float | None, interval: tuple[float, float] | None) -> str:
    """Format a difference in percentage points, e.g. '+33.3 pp [+0.0, +66.7]'."""
    if points is None:
        return "n/a"
    text = f"{points:+.1f} pp"
    if interval is not None:
        text += f" [{interval[0]:+.1f}, {interval[1]:+.1f}]"
    return text


def format_p_value(p: float | None) -> str:
    """Format a p-value with 3 decimals, or in scientific notation below 0.001."""
    if p is None:
        return "n/a"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def format_seconds(value: float | None) -> str:
    """Format seconds with 2 decimals."""
    return "n/a" if value is None else f"{value:.2f}"
