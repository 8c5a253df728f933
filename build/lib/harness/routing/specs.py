"""Policy specs from the command line, and the default policies for a run's models."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from harness.aggregate import model_roster
from harness.errors import ConfigError
from harness.routing.policies import ANY_VERTICAL, PolicySpec
from harness.routing.results import PointResult
from harness.store.records import Manifest

DEFAULT_CONFIDENCE_THRESHOLD = 0.75
"""A cascade keeps only replies with an explicit, consistent answer statement (see harness.routing.confidence)."""

POLICY_HELP = (
    "fixed:MODEL | table:VERTICAL=MODEL,...,*=MODEL | classifier[:keyword|trained][:VERTICAL=MODEL,...] | "
    "cascade:CHEAP,...,STRONG[@THRESHOLD]"
)


def parse_policy(text: str, default_table: dict[str, str], generalist: str) -> PolicySpec:
    """Parse one --policy value; a classifier without a table uses the default table.

    Raises:
        ConfigError: the text does not follow POLICY_HELP or names an invalid setting.
    """
    kind, _, rest = text.strip().partition(":")
    try:
        if kind == "fixed":
            return PolicySpec(kind="fixed", model=rest)
        if kind == "table":
            return PolicySpec(kind="table", table=_pairs(rest, text), generalist=generalist)
        if kind == "classifier":
            return _classifier(rest, text, default_table, generalist)
        if kind == "cascade":
            models, _, threshold = rest.partition("@")
            value = float(threshold) if threshold else DEFAULT_CONFIDENCE_THRESHOLD
            return PolicySpec(kind="cascade", chain=[m.strip() for m in models.split(",") if m.strip()], confidence_threshold=value)
    except (ValidationError, ValueError) as exc:
        raise ConfigError(f"invalid --policy {text!r}: {_first_error(exc)}. Use {POLICY_HELP}") from None
    raise ConfigError(f"unknown policy kind {kind!r} in --policy {text!r}. Use {POLICY_HELP}")


def _classifier(rest: str, text: str, default_table: dict[str, str], generalist: str) -> PolicySpec:
    kind, _, table = rest.partition(":")
    if "=" in kind:
        kind, table = "keyword", rest
    mapping = _pairs(table, text) if table else dict(default_table)
    return PolicySpec(kind="classifier", classifier=kind or "keyword", table=mapping, generalist=generalist)  # type: ignore[arg-type]


def _pairs(text: str, whole: str) -> dict[str, str]:
    pairs = {}
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{part!r} is not VERTICAL=MODEL")
        pairs[key.strip()] = value.strip()
    if not pairs:
        raise ValueError(f"{whole!r} lists no VERTICAL=MODEL pair")
    return pairs


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return exc.errors()[0]["msg"].removeprefix("Value error, ")
    return str(exc)


def default_table(manifest: Manifest, models: Sequence[str], generalist: str) -> dict[str, str]:
    """Map each vertical a specialized model targets to the first such model, and '*' to the generalist."""
    table: dict[str, str] = {}
    for info in model_roster(manifest):
        if info.id in models and info.role == "specialized":
            for vertical in info.verticals:
                table.setdefault(vertical, info.id)
    table[ANY_VERTICAL] = generalist
    return table


def pick_generalist(manifest: Manifest, models: Sequence[str], fixed: dict[str, PointResult]) -> str:
    """Return the first frontier model of the run, else the most accurate model on the compared items."""
    for info in model_roster(manifest):
        if info.id in models and info.role == "frontier":
            return info.id
    return max(models, key=lambda model: fixed[model].accuracy)


def cascade_order(models: Sequence[str], fixed: dict[str, PointResult], generalist: str) -> list[str]:
    """Order models cheapest first when all are priced, else keep config order with the generalist last."""
    if all(fixed[model].cost_per_query is not None for model in models):
        return sorted(models, key=lambda model: (fixed[model].cost_per_query, -fixed[model].accuracy))
    return [model for model in models if model != generalist] + [generalist]


def default_policies(manifest: Manifest, models: Sequence[str], fixed: dict[str, PointResult],
                     classifiers: Sequence[str]) -> list[PolicySpec]:
    """Return a fixed policy per model, the role table, one classifier policy per kind and a cascade over all models."""
    generalist = pick_generalist(manifest, models, fixed)
    table = default_table(manifest, models, generalist)
    specs = [PolicySpec(kind="fixed", model=model) for model in models]
    specs.append(PolicySpec(kind="table", table=table, generalist=generalist))
    specs += [PolicySpec(kind="classifier", classifier=kind, table=table, generalist=generalist) for kind in classifiers]  # type: ignore[arg-type]
    specs.append(PolicySpec(kind="cascade", chain=cascade_order(models, fixed, generalist),
                            confidence_threshold=DEFAULT_CONFIDENCE_THRESHOLD))
    return specs
