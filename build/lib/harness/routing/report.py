"""The routing section of a run's report: formatted tables and the plot, from the stored analysis."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from harness.report.formatting import format_money, format_percent, format_seconds
from harness.routing.plot import accuracy_cost_svg
from harness.routing.results import ClassifierResult, CurveResult, PointResult, RoutingAnalysis
from harness.routing.select import Constraints
from harness.store.records import Manifest

UNPRICED = "unpriced"

DEFINITIONS: tuple[str, ...] = (
    "Routing accuracy = items whose final answer is correct / items. Unlike the per-model accuracy above, an item "
    "whose last call failed (`error`) counts as not correct, because the routed system gave no answer.",
    "Cost sums every call a route made (a cascade pays for each model it tried) plus the classifier's cost per query; "
    "a failed call of a priced model costs $0, because providers do not bill it. A route with an unpriced call is "
    "unpriced, never $0. Latency sums the known seconds of the route's successful calls and the classifier's time.",
    "Confidence of a reply: 1 with one consistent explicit answer statement, minus 0.5 without one, minus 0.25 when "
    "its statements disagree and minus 0.25 when it hedges; 0 for a non-answer. A cascade escalates a failed call, an "
    "`unparseable` or `truncated` reply, and a reply whose confidence is below its threshold.",
    "Oracle: the cheapest model that answered the item correctly, or the cheapest model when none did (RouterBench).",
    "AIQ (Hu et al. 2024, RouterBench): the area under the non-decreasing convex hull of the policy's (cost per "
    "query, accuracy) points over its threshold sweep, with the fixed models' points added (any policy can send "
    "every item to one model), divided by the cost range of the fixed models. The random mix of fixed models, the "
    "hull of their points alone, is the baseline.",
    "APGR (Ong et al. 2024, RouteLLM), for two models: the integral over the share of items sent to the stronger model "
    "of PGR = (acc - acc_weak) / (acc_strong - acc_weak), through the sweep points plus (0, 0) and (1, 1); 0.5 is "
    "what random routing recovers.",
    "The chosen policy is the most accurate swept point that meets the constraints; ties go to the lower cost per "
    "query, then the lower p95 latency. The oracle is never chosen.",
)


def routing_context(manifest: Manifest) -> dict[str, Any] | None:
    """Return the template variables of the routing section, or None when the run has no routing analysis."""
    if not manifest.routing:
        return None
    try:
        analysis = RoutingAnalysis.model_validate(manifest.routing)
    except ValidationError:
        return {"invalid": "The stored routing analysis could not be read; run `verticalbench route` again."}
    return {
        "invalid": None,
        "summary": _summary(analysis),
        "constraints": Constraints(**analysis.constraints).describe(),
        "classifier_rows": [_classifier_row(result) for result in analysis.classifiers],
        "confusions": [_confusion(result) for result in analysis.classifiers],
        "policy_rows": [_policy_row(curve) for curve in analysis.curves if curve.point is not None],
        "hull_rows": [_hull_row(curve) for curve in analysis.curves],
        "sweep_rows": [point_row(point) for curve in analysis.curves if len(curve.sweep) > 1 and curve.kind != "mix"
                       for point in curve.sweep],
        "vertical_rows": [point_row(point, vertical) for vertical, points in analysis.per_vertical.items() for point in points],
        "choice_rows": [_choice_row(choice.scope, choice.point, choice.note) for choice in analysis.choices],
        "plot": accuracy_cost_svg(analysis.curves),
        "apgr_note": analysis.apgr_note,
        "notes": analysis.notes,
        "definitions": DEFINITIONS,
    }


def _summary(analysis: RoutingAnalysis) -> str:
    text = (f"{analysis.items:,} items answered by each of {', '.join(analysis.models)}, replayed offline on the stored "
            f"samples at {analysis.created_at}.")
    if analysis.dropped_items:
        text += f" {analysis.dropped_items:,} items without a sample of every model are left out."
    if analysis.cost_range:
        text += f" AIQ cost range: {format_money(analysis.cost_range[0])} to {format_money(analysis.cost_range[1])} per query."
    else:
        text += " AIQ needs every fixed model priced and at different costs, so it is n/a."
    return text


def money(value: float | None) -> str:
    """Format dollars, or 'unpriced' for a missing cost."""
    return UNPRICED if value is None else format_money(value)


def shares_text(shares: dict[str, float]) -> str:
    """Format the share of items per model, e.g. 'small 100.0%, big 66.7%'."""
    return ", ".join(f"{model} {format_percent(share)}" for model, share in shares.items() if share)


def _classifier_row(result: ClassifierResult) -> dict[str, str]:
    latency = "n/a" if result.latency_ms_p50 is None else f"{result.latency_ms_p50:.2f} / {result.latency_ms_p95:.2f}"
    return {
        "kind": result.kind,
        "accuracy": f"{format_percent(result.accuracy)} ({result.correct:,}/{result.items:,})",
        "per_vertical": ", ".join(f"{vertical} {format_percent(value)}" for vertical, value in result.per_vertical.items()),
        "latency": latency,
        "cost": format_money(result.cost_per_query_usd),
        "cross_domain": f"{result.cross_domain:,}",
        "method": result.method + "".join(f"; {note}" for note in result.notes),
    }


def _confusion(result: ClassifierResult) -> dict[str, Any]:
    predicted = sorted({label for row in result.confusion.values() for label in row} | set(result.confusion))
    rows = [{"vertical": true, "cells": [f"{row.get(label, 0):,}" for label in predicted]} for true, row in result.confusion.items()]
    return {"kind": result.kind, "labels": predicted, "rows": rows}


def _policy_row(curve: CurveResult) -> dict[str, str]:
    row = point_row(curve.point)  # type: ignore[arg-type]
    row.update(description=curve.description, aiq=_ratio(curve.aiq), apgr=_ratio(curve.apgr))
    return row


def _hull_row(curve: CurveResult) -> dict[str, str]:
    vertices = "; ".join(f"({format_money(cost)}, {format_percent(accuracy)})" for cost, accuracy in curve.hull)
    return {"policy": curve.policy, "hull": vertices or "n/a (unpriced)", "aiq": _ratio(curve.aiq), "apgr": _ratio(curve.apgr)}


def point_row(point: PointResult, scope: str = "all") -> dict[str, str]:
    """Format one policy point for a table row."""
    return {
        "scope": scope,
        "policy": point.policy,
        "parameter": "" if point.parameter is None else f"{point.parameter:g}",
        "accuracy": f"{format_percent(point.accuracy)} ({point.correct:,}/{point.items:,})",
        "total_cost": money(point.total_cost) + (f" ({point.unpriced_items:,} unpriced)" if point.unpriced_items else ""),
        "per_query": money(point.cost_per_query),
        "per_correct": money(point.cost_per_correct),
        "p95": format_seconds(point.latency_p95),
        "shares": shares_text(point.shares),
        "escalated": f"{point.escalated:,}",
        "to_generalist": f"{point.to_generalist:,}",
        "review": f"{point.review:,}",
    }


def _choice_row(scope: str, point: PointResult | None, note: str) -> dict[str, str]:
    if point is None:
        return {"scope": scope, "policy": "none", "parameter": "", "accuracy": "", "per_query": "", "p95": "", "note": note}
    row = point_row(point, scope)
    return {key: row[key] for key in ("scope", "policy", "parameter", "accuracy", "per_query", "p95")} | {"note": note}


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
