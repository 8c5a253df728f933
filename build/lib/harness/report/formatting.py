"""Number and text formatting shared by the run report and the run comparison.

Every figure of both reports passes through these functions, so the two print a value
the same way.
"""

from __future__ import annotations

import json
import math
from typing import Any

SIGNIFICANT_MARK = "*"
"""Appended to a difference whose Holm-adjusted p-value is below the significance level."""


def markdown_cell(value: Any) -> str:
    """Escape a value for a Markdown table cell: pipes, angle brackets and line breaks."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


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


def signed_percent_or(fraction: float | None, missing: str) -> str:
    """Format a fraction as a signed percentage, or return missing for None."""
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


def format_delta(points: float | None, interval: tuple[float, float] | None, significant: bool) -> str:
    """Format a difference in points with its interval, marked when significant, e.g. '-25.0 pp [-50.0, -5.0] *'."""
    text = format_points(points, interval)
    return f"{text} {SIGNIFICANT_MARK}" if significant and points is not None else text


def format_subtask_accuracy(accuracy: float | None, interval: tuple[float, float] | None, subtasks: int) -> str:
    """Format the mean over subtasks with its interval and the number of subtasks."""
    if accuracy is None:
        return "n/a (nothing answered)"
    noun = "subtask" if subtasks == 1 else "subtasks"
    return f"{format_accuracy(accuracy, interval)} over {subtasks:,} {noun}"


def format_count_share(count: int, total: int) -> str:
    """Format a count with its share of a total, e.g. '1 (25.0%)'."""
    return f"{count:,} ({format_percent(count / total if total else None)})"


def format_p_value(p: float | None) -> str:
    """Format a p-value with 3 decimals, or in scientific notation below 0.001."""
    if p is None:
        return "n/a"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def format_seconds(value: float | None) -> str:
    """Format seconds with 2 decimals."""
    return "n/a" if value is None else f"{value:.2f}"


def plain_text(value: Any) -> str:
    """Return a stored value as text: strings as they are, None as '', anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def shorten(text: str, limit: int) -> str:
    """Cut text after limit characters and append the number of characters left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit:,} more characters]"
