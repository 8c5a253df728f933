"""The accuracy-cost plot of a routing analysis as an inline SVG: no script, no external asset.

Every text placed in the SVG goes through `markupsafe.escape`, so a policy or model name
cannot inject markup into the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from harness.routing.results import CurveResult

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 20, 50
"""Margins in pixels. The right margin contains the legend."""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def accuracy_cost_svg(curves: Sequence[CurveResult]) -> Markup | None:
    """Draw each curve's priced points and hull on accuracy (0-100%) against cost per query; None when nothing is priced."""
    priced = [curve for curve in curves if any(point.cost_per_query is not None for point in curve.sweep)]
    if not priced:
        return None
    # The mix goes first and the oracle last, so the dashed baseline never hides a policy's points.
    priced.sort(key=lambda curve: {"mix": 0, "oracle": 2}.get(curve.kind, 1))
    # Five x ticks at a round step, so the axis reads $0.0025, $0.005, ... rather than arbitrary fractions.
    top_cost = nice_step(max(point.cost_per_query or 0.0 for curve in priced for point in curve.sweep) / 5) * 5
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-label="accuracy against cost per query" font-family="sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *_axes(top_cost),
    ]
    for index, curve in enumerate(priced):
        parts += _curve(curve, PALETTE[index % len(PALETTE)], top_cost, index)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def nice_step(raw: float) -> float:
    """Return the smallest of 1, 2, 2.5 or 5 times a power of ten that is at least raw (a positive tick step)."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(power * factor for factor in (1, 2, 2.5, 5, 10) if power * factor >= raw * (1 - 1e-9))


def _x(cost: float, top_cost: float) -> float:
    return LEFT + cost / top_cost * (WIDTH - LEFT - RIGHT)


def _y(accuracy: float) -> float:
    return TOP + (1.0 - accuracy) * (HEIGHT - TOP - BOTTOM)


def _axes(top_cost: float) -> list[str]:
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    lines = [f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#333"/>']
    for tick in range(6):
        y = _y(tick / 5)
        lines.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick * 20}%</text>')
    for tick in range(6):
        cost = top_cost * tick / 5
        lines.append(f'<text x="{_x(cost, top_cost):.1f}" y="{bottom + 16}" text-anchor="middle">{escape(_money(cost))}</text>')
    lines.append(f'<text x="{(LEFT + right) / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">cost per query (US dollars)</text>')
    lines.append(f'<text x="16" y="{(TOP + bottom) / 2:.1f}" text-anchor="middle" transform="rotate(-90 16 {(TOP + bottom) / 2:.1f})">accuracy</text>')
    return lines


def _curve(curve: CurveResult, colour: str, top_cost: float, index: int) -> list[str]:
    parts = []
    if len(curve.hull) > 1:
        # The hull is flat to the right of its last vertex: a policy at a larger budget keeps its best accuracy.
        vertices = [*curve.hull, (top_cost, curve.hull[-1][1])]
        path = " ".join(f"{_x(cost, top_cost):.1f},{_y(accuracy):.1f}" for cost, accuracy in vertices)
        dash = ' stroke-dasharray="5,4"' if curve.kind == "mix" else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
    for point in curve.sweep:
        if point.cost_per_query is None:
            continue
        x, y = _x(point.cost_per_query, top_cost), _y(point.accuracy)
        title = f"{curve.policy}: {point.accuracy * 100:.1f}% at {_money(point.cost_per_query)} per query"
        if point.parameter is not None:
            title += f" (threshold {point.parameter:g})"
        shape = (f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" transform="rotate(45 {x:.1f} {y:.1f})" '
                 if curve.kind == "oracle" else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" ')
        parts.append(f'{shape}fill="{colour}" fill-opacity="0.85"><title>{escape(title)}</title>'
                     + ("</rect>" if curve.kind == "oracle" else "</circle>"))
    legend_y = TOP + 14 + index * 16
    legend_x = WIDTH - RIGHT + 14
    parts.append(f'<rect x="{legend_x}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
    parts.append(f'<text x="{legend_x + 16}" y="{legend_y + 1}">{escape(_short(curve.policy))}</text>')
    return parts


def _money(value: float) -> str:
    from harness.report.formatting import format_money

    return format_money(value)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
