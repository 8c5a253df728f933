"""A whole routing analysis of one stored run: classifiers, policies, curves, AIQ, APGR and the choice per vertical."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from harness.routing.metrics import Point, aiq, apgr, nondecreasing_hull
from harness.routing.policies import PolicySpec
from harness.routing.results import ChoiceResult, CurveResult, PointResult, RoutingAnalysis
from harness.routing.select import Constraints, pick
from harness.routing.simulate import ClassifierCost, evaluate, oracle, sweep
from harness.routing.specs import default_policies, default_table, parse_policy, pick_generalist
from harness.routing.table import RoutingError, RoutingTable, build_table
from harness.routing.verdicts import ClassifierSetup, RunVerdicts, classify_run, load_corpus
from harness.store.records import Manifest, Sample
from harness.store.run_dir import utc_now

logger = logging.getLogger(__name__)

MIX = "random mix of fixed models"


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of an analysis: the models, the policies (empty: the defaults), the constraints and the classifier set-up."""

    models: tuple[str, ...] = ()
    policies: tuple[PolicySpec, ...] = ()
    policy_texts: tuple[str, ...] = ()
    """Policies as written on the command line (see harness.routing.specs.POLICY_HELP); 'oracle' is always included."""
    constraints: Constraints = Constraints()
    classifiers: tuple[str, ...] = ("keyword", "trained")
    """Classifier kinds of the default policies."""
    setup: ClassifierSetup = field(default_factory=ClassifierSetup)


def analyse(samples: Iterable[Sample], manifest: Manifest, options: AnalysisOptions = AnalysisOptions()) -> RoutingAnalysis:
    """Replay every policy on the run's stored samples and summarise them.

    Raises:
        RoutingError: fewer than two models answered the same items, or a policy names a model without samples.
    """
    table = build_table(samples, manifest, options.models or None)
    notes = [f"{table.dropped} item(s) left out because not every model answered them"] if table.dropped else []
    fixed = {model: evaluate(PolicySpec(kind="fixed", model=model), table) for model in table.models}
    specs = _specs(options, manifest, table, fixed)
    _check_models(specs, table)
    verdicts = _classify(specs, table, options.setup, notes)
    specs = [spec for spec in specs if spec.kind != "classifier" or spec.classifier in verdicts]
    curves = [_curve(spec, table, verdicts) for spec in specs]
    curves.append(CurveResult(policy="oracle", kind="oracle", description="cheapest model that answered correctly",
                              point=oracle(table)))
    fixed_points = [fixed[model] for model in table.models]
    curves.append(CurveResult(policy=MIX, kind="mix", description="random mix of the fixed models (RouterBench's zero router)",
                              point=None, sweep=fixed_points))
    cost_range = _cost_range(fixed_points)
    pair, pair_note = _apgr_pair(table, fixed)
    for curve in curves:
        _summarise_curve(curve, cost_range, pair, fixed_points)
    return RoutingAnalysis(
        run_id=manifest.run_id, created_at=utc_now(), models=list(table.models), items=len(table.items),
        dropped_items=table.dropped, cost_range=cost_range, apgr_pair=(pair.weak, pair.strong) if pair else None, apgr_note=pair_note,
        constraints=options.constraints.model_dump(), classifiers=[run.result for run in verdicts.values()],
        curves=curves, per_vertical=_per_vertical(specs, table, verdicts),
        choices=_choices(specs, table, verdicts, curves, options.constraints), notes=notes,
    )


def _specs(options: AnalysisOptions, manifest: Manifest, table: RoutingTable, fixed: dict[str, PointResult]) -> list[PolicySpec]:
    """Return the policies asked for, or the default ones; a classifier without a table uses the role table."""
    texts = [text for text in options.policy_texts if text.strip() != "oracle"]
    if not options.policies and not texts:
        return default_policies(manifest, table.models, fixed, options.classifiers)
    generalist = pick_generalist(manifest, table.models, fixed)
    table_map = default_table(manifest, table.models, generalist)
    return [*options.policies, *(parse_policy(text, table_map, generalist) for text in texts)]


def _check_models(specs: Sequence[PolicySpec], table: RoutingTable) -> None:
    for spec in specs:
        unknown = [model for model in spec.models() if model not in table.models]
        if unknown:
            raise RoutingError(f"policy {spec.label} names {', '.join(unknown)}, which have no samples on the compared items; "
                               f"choose from {', '.join(table.models)}")


def _classify(specs: Sequence[PolicySpec], table: RoutingTable, setup: ClassifierSetup, notes: list[str]) -> dict[str, RunVerdicts]:
    kinds = list(dict.fromkeys(spec.classifier for spec in specs if spec.kind == "classifier"))
    if not kinds:
        return {}
    corpus = load_corpus(setup)
    if corpus.skipped:
        notes.append(f"classifier training data: {len(corpus.suites)} suite(s) read, {len(corpus.skipped)} skipped "
                     "(public suites need --data-dir)")
    verdicts = {}
    for kind in kinds:
        try:
            verdicts[kind] = classify_run(kind, table, corpus, setup)
        except ValueError as exc:
            notes.append(f"the {kind} classifier was left out: {exc}")
            logger.warning("routing: the %s classifier was left out: %s", kind, exc)
    return verdicts


def _curve(spec: PolicySpec, table: RoutingTable, verdicts: dict[str, RunVerdicts]) -> CurveResult:
    run = verdicts.get(spec.classifier) if spec.kind == "classifier" else None
    by_key = run.verdicts if run else None
    cost = run.cost if run else ClassifierCost()
    parameter = spec.min_probability if spec.kind == "classifier" else spec.confidence_threshold
    point = evaluate(spec, table, by_key, cost, parameter=parameter)
    return CurveResult(policy=spec.label, kind=spec.kind, description=describe(spec), point=point,
                       sweep=sweep(spec, table, by_key, cost))


def describe(spec: PolicySpec) -> str:
    """Describe in one line how the policy routes."""
    tail = f"; on failure: {' > '.join(spec.fallbacks + ([spec.generalist] if spec.generalist else []))}"
    if spec.kind == "fixed":
        return f"every item to {spec.model}" + (tail if spec.fallbacks else "")
    if spec.kind == "cascade":
        return (f"{' > '.join(spec.chain)}, escalating failures and replies with confidence below "
                f"{spec.confidence_threshold:g}")
    table = ", ".join(f"{vertical}: {model}" for vertical, model in spec.table.items())
    if spec.kind == "table":
        return f"true vertical to model ({table})"
    return (f"{spec.classifier} classifier's vertical to model ({table}); unclassified, cross-domain or below "
            f"p={spec.min_probability:g} to {spec.generalist}")


def _cost_range(fixed_points: Sequence[PointResult]) -> tuple[float, float] | None:
    costs = [point.cost_per_query for point in fixed_points]
    if any(cost is None for cost in costs):
        return None
    low, high = min(costs), max(costs)  # type: ignore[type-var]
    return (low, high) if high > low else None  # type: ignore[return-value]


class ApgrPair(NamedTuple):
    """The two models APGR compares, with their accuracies on the compared items."""

    weak: str
    strong: str
    weak_accuracy: float
    strong_accuracy: float


def _apgr_pair(table: RoutingTable, fixed: dict[str, PointResult]) -> tuple[ApgrPair | None, str]:
    if len(table.models) != 2:
        return None, f"APGR compares two models; this analysis has {len(table.models)}"
    weak, strong = sorted(table.models, key=lambda model: fixed[model].accuracy)
    if fixed[weak].accuracy == fixed[strong].accuracy:
        return None, "APGR is undefined: both models have the same accuracy"
    pair = ApgrPair(weak, strong, fixed[weak].accuracy, fixed[strong].accuracy)
    return pair, f"weak {weak} ({pair.weak_accuracy:.1%}), strong {strong} ({pair.strong_accuracy:.1%})"


def _summarise_curve(curve: CurveResult, cost_range: tuple[float, float] | None, pair: ApgrPair | None,
                     fixed_points: Sequence[PointResult]) -> None:
    """Fill in the curve's hull and AIQ (when every point is priced) and its APGR (for two models).

    Any policy can be set to send every item to one model, so the fixed models' points join
    each policy's hull, as the all-weak and all-strong points join its APGR curve. A policy's
    AIQ is then at least the random mix's, and the difference is what its routing adds.
    """
    if not curve.sweep and curve.point:
        curve.sweep = [curve.point]
    own = [Point(p.cost_per_query, p.accuracy) for p in curve.sweep if p.cost_per_query is not None]
    if len(own) == len(curve.sweep) and cost_range:
        points = own + [Point(p.cost_per_query, p.accuracy) for p in fixed_points]  # type: ignore[arg-type]
        curve.hull = [(vertex.cost, vertex.accuracy) for vertex in nondecreasing_hull(points)]
        curve.aiq = aiq(points, *cost_range)
    else:
        curve.hull = [(vertex.cost, vertex.accuracy) for vertex in nondecreasing_hull(own)]
    if pair:
        shares = [(p.shares.get(pair.strong, 0.0), p.accuracy) for p in curve.sweep]
        curve.apgr = apgr(shares, pair.weak_accuracy, pair.strong_accuracy)


def _per_vertical(specs: Sequence[PolicySpec], table: RoutingTable, verdicts: dict[str, RunVerdicts]) -> dict[str, list[PointResult]]:
    result = {}
    for vertical in table.verticals:
        subset = table.subset(vertical)
        result[vertical] = [_curve(spec, subset, verdicts).point for spec in specs] + [oracle(subset)]  # type: ignore[misc]
    return result


def _choices(specs: Sequence[PolicySpec], table: RoutingTable, verdicts: dict[str, RunVerdicts], curves: Sequence[CurveResult],
             constraints: Constraints) -> list[ChoiceResult]:
    overall = [point for curve in curves if curve.kind not in ("oracle", "mix") for point in curve.sweep]
    choices = [pick("all", overall, constraints)]
    for vertical in table.verticals:
        subset = table.subset(vertical)
        points = [point for spec in specs for point in _curve(spec, subset, verdicts).sweep]
        choices.append(pick(vertical, points, constraints))
    return choices
