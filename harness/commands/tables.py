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
    """Format dollars so small local-compute costs stay readable; 'unpriced' instead of $0."""
    if not priced:
        return "unpriced"
    if value is None:
        return "n/a"
    if value == 0 or abs(value) >= 0.01:
        return f"${value:,.2f}" if abs(value) >= 1 else f"${value:.4f}"
    return f"${value:.2e}"


def percent(value: float | None, digits: int = 1) -> str:
    """Format a fraction as a percentage, 'n/a' for None."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"
