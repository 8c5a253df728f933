"""The report's cost and ROI section: prices used, spend, estimate against actual, ROI and readiness.

Built from the manifest and the aggregates only: the ROI and readiness inputs the user last
gave are kept in `Manifest.cost_analysis`, so re-rendering a report reproduces the section.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError

from harness.aggregate import Aggregates
from harness.costs.tables import price_rows, spend_rows
from harness.errors import VerticalbenchError
from harness.estimate.actual import check_estimate, stored_estimate
from harness.estimate.tables import check_cells, total_text
from harness.roi.analysis import RoiRequest, roi_rows
from harness.roi.readiness import Readiness, Thresholds, assess
from harness.roi.tables import ROI_COLUMNS, readiness_rows, readiness_summary, roi_cells, scenario_text
from harness.roi.workload import Workload
from harness.store.records import Manifest

logger = logging.getLogger(__name__)

REFERENCE_VOLUME = "1000"
"""Queries a month shown when no ROI inputs are stored: the figures then read as per 1,000 queries."""

DEFINITIONS: tuple[str, ...] = (
    "Token usage is split per call into uncached input, cached input (read from the provider's prompt cache), "
    "cache writes, visible output and reasoning. Providers differ in whether their prompt count includes cached "
    "tokens and their completion count includes reasoning; each sample stores the split, the convention read "
    "from the reply and the raw usage.",
    "Cost of a call = (uncached x input rate + cached x cached rate + cache writes x write rate + output x output "
    "rate + reasoning x reasoning rate) / 1,000,000. A missing cached or write rate is the input rate, a missing "
    "reasoning rate the output rate. A price comes from the model's `price` in the config, else the run's price "
    "file, else LiteLLM's bundled price map (its version recorded), found by the config's model id or string, "
    "never by the model name in a reply.",
    "A model without a price is unpriced: its costs read 'unpriced', totals leave its samples out and say how "
    "many, and no ratio against it is printed. A reply without reported usage has no cost; it is counted, "
    "never priced at $0.",
    "The estimate is made before the first call. Prompt tokens are counted per request with the model's tokenizer "
    "where LiteLLM knows it, else with the approximation named. Expected output is the mean output of earlier "
    "runs of the same model string on the same suite, capped at max_tokens, else max_tokens. Dollars use the "
    "uncached input rate and the output rate. Actual input counts uncached, cached and cache-write tokens, and "
    "actual output counts visible and reasoning tokens, of the samples with reported usage. Ratio = actual cost / "
    "expected cost.",
    "ROI at N queries a month on a vertical: monthly cost = N x cost per query (the model's mean cost per sample "
    "there). Answers gained = N x (acc_S - acc_F) on the items both models answered, with N times the paired "
    "bootstrap 95% interval of the difference. Correct per $ = accuracy / cost per query; its improvement = "
    "vpd_S / vpd_F - 1. These accuracies are those of the compared items, so they can differ from the "
    "per-vertical table when a model has errors.",
    "Margin per query m = (acc_S - acc_F) x (V + E) - (c_S - c_F), where V is the stated value of a correct answer "
    "and E the stated cost of an error (0 when not stated, which leaves the cost saving alone). Net monthly value = "
    "N x m - K, where K is the fixed monthly cost of the separate specialized model, routing included. Break-even "
    "volume = K / m when m > 0: above it the specialized model pays back its fixed cost; when m <= 0 it never does.",
    "Readiness tests a workload against the thresholds shown: monthly volume, the share of queries in the top one "
    "or two verticals, a stated cost of errors, a significant advantage (Holm-adjusted McNemar p) of a specialized "
    "model on those verticals, and a budget covering the fixed cost plus the projected spend of that model.",
)


def cost_section(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any]:
    """Return the template variables of the cost and ROI section, every number formatted."""
    spend, total = spend_rows(aggregates)
    return {
        "prices": price_rows(manifest.prices),
        "spend": spend,
        "spend_total": total,
        "estimate": _estimate(manifest, aggregates),
        "roi": _roi(manifest, aggregates),
        "readiness": _readiness(manifest, aggregates),
        "repriced": _repriced(manifest),
        "definitions": DEFINITIONS,
    }


def _estimate(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any] | None:
    estimate = stored_estimate(manifest.cost_analysis)
    if estimate is None:
        return None
    checks = check_estimate(estimate, aggregates.by_suite)
    return {"made_at": estimate.made_at, "total": total_text(estimate), "rows": [check_cells(c) for c in checks]}


def _roi(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any]:
    stored = manifest.cost_analysis.get("roi")
    note = None
    try:
        request = RoiRequest.model_validate(stored) if stored else RoiRequest(volume=[REFERENCE_VOLUME])
        rows = roi_rows(aggregates, request)
    except (ValidationError, VerticalbenchError) as exc:
        logger.warning("stored ROI inputs of run %s no longer apply: %s", manifest.run_id, exc)
        note = f"The stored ROI inputs no longer apply ({exc}); the figures below are per {REFERENCE_VOLUME} queries."
        stored, rows = None, roi_rows(aggregates, RoiRequest(volume=[REFERENCE_VOLUME]))
    if stored:
        volumes = ", ".join(stored.get("volume", [])) + (f"; mix {', '.join(stored['mix'])}" if stored.get("mix") else "")
        intro = f"At the volumes given to `verticalbench roi` ({volumes}); {scenario_text(rows)}."
    else:
        intro = (f"No ROI inputs are stored, so every figure is for {int(REFERENCE_VOLUME):,} queries a month on each vertical "
                 "and nothing is stated about the value of an answer. `verticalbench roi RUN --volume N` "
                 "adds your volumes, stakes and fixed cost to this section.")
    return {"intro": note or intro, "columns": ROI_COLUMNS, "rows": [roi_cells(row) for row in rows]}


def _readiness(manifest: Manifest, aggregates: Aggregates) -> dict[str, Any] | None:
    stored = manifest.cost_analysis.get("readiness")
    if not stored:
        return None
    try:
        readiness = assess(Workload(**stored["workload"]), aggregates, Thresholds(**stored["thresholds"]))
    except (KeyError, TypeError) as exc:
        logger.warning("stored readiness inputs of run %s are unreadable: %s", manifest.run_id, exc)
        return None
    return readiness_context(readiness, Workload(**stored["workload"]))


def readiness_context(readiness: Readiness, workload: Workload) -> dict[str, Any]:
    """Build the readiness part of the section: workload, conditions, summary and thresholds."""
    volumes = ", ".join(f"{v} {n:,.0f}" for v, n in workload.ranked())
    return {
        "workload": f"{workload.source}: {workload.basis}; queries a month: {volumes}",
        "rows": readiness_rows(readiness),
        "summary": readiness_summary(readiness),
        "thresholds": ", ".join(f"{name} = {value}" for name, value in readiness.thresholds.describe()),
    }


def readiness_record(workload: Workload, thresholds: Thresholds) -> dict[str, Any]:
    """Build the record `verticalbench readiness` keeps with the run, so the report can repeat the check."""
    return {"workload": asdict(workload), "thresholds": asdict(thresholds)}


def _repriced(manifest: Manifest) -> str | None:
    info = manifest.cost_analysis.get("repriced")
    if not info:
        return None
    models = ", ".join(info.get("repriced_models", []))
    return (f"This is a repriced copy of run {info.get('from_run')}: the costs of {models} use the prices of "
            f"{info.get('price_file')} (repriced {info.get('at')}); every other model keeps the run's prices. "
            "The original samples and report are unchanged.")
