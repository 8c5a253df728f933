"""Render a run comparison (`verticalbench compare`) as Markdown for a pull-request comment and as HTML.

Both outputs are built from the same pre-formatted cells. The HTML template escapes every
value; the Markdown template passes every cell that can hold model text through `md`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.compare.flips import Flip
from harness.compare.runs import DeltaRow, ModelPair, RunComparison
from harness.report.formatting import (
    format_delta,
    format_money,
    format_p_value,
    format_percent,
    format_seconds,
    plain_text,
    shorten,
    signed_percent_or,
)
from harness.report.render import environment
from harness.store.run_dir import write_atomic

logger = logging.getLogger(__name__)

MARKDOWN_REPLY_CHARS = 300
"""Characters of each reply in the Markdown flip tables, which must fit a pull-request comment."""
HTML_REPLY_CHARS = 2000
DEFAULT_MAX_FLIPS = 20
"""Flipped items listed per model pair and direction."""

DEFINITIONS: tuple[str, ...] = (
    "Only repeat 0 of each item is compared, and only on the items that both runs answered: an item whose outcome "
    "is `error` in either run is excluded and counted in the Excluded column.",
    "Delta = new accuracy - base accuracy in percentage points (pp), on the compared items. Its 95% interval is a "
    "paired percentile bootstrap over those items.",
    "McNemar p is the two-sided exact McNemar test on the items that flipped (right to wrong against wrong to right). "
    "Holm p adjusts it by Holm's step-down method across the verticals of the model (and, in the suite table, "
    "across its suites).",
    "$ per item is the mean cost of the compared items that have a cost; latency is the p50 of their wall-clock seconds.",
)


@dataclass(frozen=True)
class ComparisonPaths:
    """Files written by `write_comparison`."""

    markdown: Path
    html: Path


def comparison_markdown(comparison: RunComparison, max_flips: int = DEFAULT_MAX_FLIPS) -> str:
    """Return the comparison as Markdown."""
    context = _context(comparison, max_flips, MARKDOWN_REPLY_CHARS)
    return environment().get_template("compare.md.j2").render(**context)


def write_comparison(comparison: RunComparison, out_dir: Path, max_flips: int = DEFAULT_MAX_FLIPS) -> ComparisonPaths:
    """Write `compare.md` and `compare.html` into out_dir, each atomically."""
    paths = ComparisonPaths(markdown=out_dir / "compare.md", html=out_dir / "compare.html")
    write_atomic(paths.markdown, comparison_markdown(comparison, max_flips))
    html_context = _context(comparison, max_flips, HTML_REPLY_CHARS)
    write_atomic(paths.html, environment().get_template("compare.html.j2").render(**html_context))
    logger.info("wrote the comparison of %s with %s to %s", comparison.new.run_id, comparison.base.run_id, out_dir)
    return paths


def verdict_text(comparison: RunComparison) -> str:
    """Summarize the gate in one sentence: the regressions found, or that there are none."""
    rule = (f"a drop larger than {comparison.threshold_points:g} pp with Holm p below {comparison.alpha:g}")
    regressions = comparison.regressions
    if not regressions:
        return f"No regression: no vertical shows {rule}."
    listed = "; ".join(
        f"{row.pair.label} on {row.group} {row.difference.points:+.1f} pp (Holm p {format_p_value(row.p_holm)}, "
        f"{row.right_to_wrong} right to wrong)"
        for row in regressions
    )
    noun = "regression" if len(regressions) == 1 else "regressions"
    return f"{len(regressions)} {noun} ({rule}): {listed}."


def _context(comparison: RunComparison, max_flips: int, reply_chars: int) -> dict[str, Any]:
    return {
        "base": comparison.base,
        "new": comparison.new,
        "pairs": [_pair_row(pair, comparison) for pair in comparison.pairs],
        "verdict": verdict_text(comparison),
        "vertical_rows": [_delta_row(row, comparison) for row in comparison.vertical_rows],
        "suite_rows": [_delta_row(row, comparison) for row in comparison.suite_rows],
        "flip_groups": _flip_groups(comparison.flips, max_flips, reply_chars),
        "settings": f"{comparison.resamples:,} bootstrap resamples, seed {comparison.seed}",
        "definitions": DEFINITIONS,
    }


def _pair_row(pair: ModelPair, comparison: RunComparison) -> dict[str, str]:
    return {
        "label": pair.label,
        "base_model": pair.base_model,
        "new_model": pair.new_model,
        "base_reported": ", ".join(pair.base_reported) or "not reported",
        "new_reported": ", ".join(pair.new_reported) or "not reported",
        "only_base": f"{comparison.only_in_base.get(pair.label, 0):,}",
        "only_new": f"{comparison.only_in_new.get(pair.label, 0):,}",
        "changes": "; ".join(pair.changes),
    }


def _delta_row(row: DeltaRow, comparison: RunComparison) -> dict[str, str]:
    difference = row.difference
    significant = row.p_holm is not None and row.p_holm < comparison.alpha
    return {
        "model": row.pair.label,
        "group": row.group,
        "item_count": f"{difference.items:,}",
        "excluded": f"{row.excluded_items:,}",
        "base": format_percent(difference.accuracy_second),
        "new": format_percent(difference.accuracy_first),
        "delta": format_delta(difference.points, difference.interval_points, significant),
        "p": format_p_value(difference.p_value),
        "p_holm": format_p_value(row.p_holm),
        "right_to_wrong": f"{row.right_to_wrong:,}",
        "wrong_to_right": f"{row.wrong_to_right:,}",
        "cost": _change(format_money(row.cost_per_item_base), format_money(row.cost_per_item_new), row.cost_change),
        "latency": _change(format_seconds(row.latency_p50_base), format_seconds(row.latency_p50_new), None),
        "verdict": _verdict(row, comparison, significant),
    }


def _change(base: str, new: str, relative: float | None) -> str:
    text = f"{base} → {new}"
    return text if relative is None else f"{text} ({signed_percent_or(relative, 'n/a')})"


def _verdict(row: DeltaRow, comparison: RunComparison, significant: bool) -> str:
    points = row.difference.points
    if points is None:
        return "no compared items"
    if row.regression:
        return "regression"
    if significant and points > comparison.threshold_points:
        return "improvement"
    return "no significant change" if not significant else "significant, within threshold"


def _flip_groups(flips: tuple[Flip, ...], max_flips: int, reply_chars: int) -> list[dict[str, Any]]:
    """Group flips by model pair and direction, keeping at most max_flips rows in each group."""
    grouped: dict[tuple[str, str, str], list[Flip]] = defaultdict(list)
    for flip in flips:
        grouped[(flip.direction, flip.base_id, flip.new_id)].append(flip)
    groups = []
    for (direction, base_id, new_id), members in grouped.items():
        label = base_id if base_id == new_id else f"{base_id} → {new_id}"
        listed = members[:max_flips]
        groups.append({
            "title": f"{label}: {len(members):,} {'right → wrong' if direction == 'right_to_wrong' else 'wrong → right'}",
            "rows": [_flip_row(flip, reply_chars) for flip in listed],
            "hidden": len(members) - len(listed),
        })
    return groups


def _flip_row(flip: Flip, reply_chars: int) -> dict[str, str]:
    return {
        "suite": flip.suite,
        "item": flip.item_id,
        "reference": shorten(plain_text(flip.reference), reply_chars),
        "base_outcome": flip.base.outcome,
        "base_extracted": plain_text(flip.base.extracted),
        "base_reply": shorten(flip.base.reply, reply_chars),
        "new_outcome": flip.new.outcome,
        "new_extracted": plain_text(flip.new.extracted),
        "new_reply": shorten(flip.new.reply, reply_chars),
    }
