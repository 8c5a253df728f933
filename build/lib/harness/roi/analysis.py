"""ROI of a stored run: the user's volumes and stakes applied to each specialized-against-frontier comparison.

Per comparison, the inputs of `harness.roi.calculator` come from the run:
- accuracies and their difference on the items both models answered, with the paired
  bootstrap 95% interval of the difference (`Comparison.advantage_interval_points`);
- cost per query = the model's mean cost per sample on the vertical (`GroupStats.cost_per_item`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.aggregate import Aggregates, Comparison
from harness.errors import VerticalbenchError
from harness.roi.calculator import PairInputs, RoiFigures, Scenario, roi

SHARE_TOLERANCE = 1e-6
"""Rounding allowed when mix shares add up to more than 1."""
_NUMBER = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKmM%]?)\s*$")


class RoiError(VerticalbenchError):
    """ROI inputs that cannot be used: a malformed volume or mix, or a vertical the run did not compare."""


class RoiRequest(BaseModel):
    """The ROI inputs as the user gave them, kept with the run so its report can show the same section."""

    model_config = ConfigDict(extra="forbid")

    volume: list[str] = Field(min_length=1)
    """Each item 'N' (queries a month) or 'VERTICAL=N'."""
    mix: list[str] = Field(default_factory=list)
    """Each item 'VERTICAL=SHARE' (0.6 or 60%); splits a single total volume."""
    value_per_correct: float | None = Field(default=None, ge=0)
    cost_per_error: float | None = Field(default=None, ge=0)
    fixed_monthly: float = Field(default=0.0, ge=0)


@dataclass(frozen=True)
class RoiRow:
    """The ROI of one specialized model against one frontier model on one vertical."""

    vertical: str
    specialized: str
    frontier: str
    paired_items: int
    pair: PairInputs
    scenario: Scenario
    figures: RoiFigures


def parse_number(text: str, what: str) -> float:
    """Read '120000', '120,000', '120k', '1.5M' or '60%' (as 0.6).

    Raises:
        RoiError: the text is not such a number.
    """
    match = _NUMBER.match(text)
    if match is None:
        raise RoiError(f"{what} {text!r} is not a number; write e.g. 120000, 120k or, for a share, 0.6 or 60%")
    value = float(match.group(1).replace(",", "").replace("_", ""))
    scale = {"k": 1e3, "m": 1e6, "%": 0.01}.get(match.group(2).lower(), 1.0)
    return value * scale


def _pairs(items: list[str], what: str) -> tuple[list[float], dict[str, float]]:
    """Split items into bare numbers and VERTICAL=number pairs."""
    bare: list[float] = []
    named: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        if sep:
            named[name.strip()] = parse_number(number, f"{what} of {name.strip()}")
        else:
            bare.append(parse_number(item, what))
    return bare, named


def monthly_volumes(request: RoiRequest, verticals: list[str]) -> dict[str, float]:
    """Return queries a month per compared vertical from --volume and --mix.

    - `--volume N` alone: N queries a month on each compared vertical;
    - `--volume V=N` (repeatable): N on vertical V; a bare N also given applies to the others;
    - `--volume N --mix V=S ...`: the total N split by the shares S (which may sum to less than 1).

    Raises:
        RoiError: a malformed item, several totals, shares above 1, or a vertical the run did not compare.
    """
    bare, named = _pairs(request.volume, "--volume")
    if len(bare) > 1:
        raise RoiError(f"--volume was given {len(bare)} totals {bare}; give one total, or VERTICAL=N per vertical")
    if request.mix:
        return _split_by_mix(request, bare, named, verticals)
    _check_known(named, verticals, "--volume")
    default = bare[0] if bare else None
    volumes = {vertical: named.get(vertical, default) for vertical in verticals}
    return {vertical: volume for vertical, volume in volumes.items() if volume is not None}


def _split_by_mix(request: RoiRequest, bare: list[float], named: dict[str, float], verticals: list[str]) -> dict[str, float]:
    if named or not bare:
        raise RoiError("--mix splits one total: give a single --volume N (queries a month) with --mix VERTICAL=SHARE")
    _, shares = _pairs(request.mix, "--mix share")
    _check_known(shares, verticals, "--mix")
    total_share = sum(shares.values())
    if total_share > 1 + SHARE_TOLERANCE:
        raise RoiError(f"--mix shares add up to {total_share:.3g}; they must not exceed 1 (100%)")
    return {vertical: bare[0] * share for vertical, share in shares.items()}


def _check_known(named: dict[str, Any], verticals: list[str], option: str) -> None:
    unknown = sorted(set(named) - set(verticals))
    if unknown:
        known = ", ".join(verticals) or "none"
        raise RoiError(f"{option} names {', '.join(unknown)}, which the run did not compare; compared verticals: {known}")


def roi_rows(aggregates: Aggregates, request: RoiRequest) -> list[RoiRow]:
    """Apply the request to every comparison of a run that has a volume and measured accuracies.

    Args:
        aggregates: the run's figures.
        request: volumes and stakes.

    Raises:
        RoiError: see `monthly_volumes`.
    """
    comparisons = [c for c in aggregates.comparisons if c.paired_items]
    volumes = monthly_volumes(request, sorted({c.vertical for c in comparisons}))
    rows = []
    for c in comparisons:
        if c.vertical not in volumes:
            continue
        scenario = Scenario(volume=volumes[c.vertical], value_per_correct=request.value_per_correct,
                            cost_per_error=request.cost_per_error, fixed_monthly=request.fixed_monthly)
        pair = pair_inputs(c, aggregates)
        rows.append(RoiRow(vertical=c.vertical, specialized=c.specialized, frontier=c.frontier,
                           paired_items=c.paired_items, pair=pair, scenario=scenario, figures=roi(pair, scenario)))
    return rows


def pair_inputs(comparison: Comparison, aggregates: Aggregates) -> PairInputs:
    """Build the calculator's inputs from a `Comparison` and the models' figures on its vertical."""
    interval = comparison.advantage_interval_points
    if comparison.accuracy_specialized is None or comparison.accuracy_frontier is None:
        raise RoiError(f"{comparison.specialized} and {comparison.frontier} answered no common item on {comparison.vertical}")
    return PairInputs(
        accuracy_specialized=comparison.accuracy_specialized,
        accuracy_frontier=comparison.accuracy_frontier,
        difference_interval=None if interval is None else (interval[0] / 100.0, interval[1] / 100.0),
        cost_specialized=_cost_per_query(aggregates, comparison.specialized, comparison.vertical),
        cost_frontier=_cost_per_query(aggregates, comparison.frontier, comparison.vertical),
    )


def _cost_per_query(aggregates: Aggregates, model_id: str, vertical: str) -> float | None:
    stats = aggregates.vertical_stats(model_id, vertical)
    if stats is None or not stats.priced:
        return None
    return stats.cost_per_item
