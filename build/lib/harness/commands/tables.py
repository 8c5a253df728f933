"""Plain-text tables for the terminal."""

from __future__ import annotations

from typing import Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return rows as a left-aligned text table with a header rule."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def money(value: float | None, priced: bool = True) -> str:
    """Format dollars as the reports do; 'unpriced' instead of $0 for a model without a price."""
    from harness.report.render import format_money

    return format_money(value) if priced else "unpriced"


def percent(value: float | None, digits: int = 1) -> str:
    """Format a fraction as a percentage, 'n/a' for None."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"
