"""`run --dry-run`: the bill of a run before anything is spent.

The dry run loads the suites and builds the same plan a run would, resolves prices the same
way (config, price file, LiteLLM's map), counts tokens and reads earlier runs' output
lengths. It starts no local model server and calls no model. A local model priced by
compute time gets the price an earlier run calibrated for the same weights and hourly rate.
Without such a run it is unpriced, because its price is measured when its server starts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.config import RunConfig, parse_config
from harness.costs.price_file import PriceFile
from harness.costs.prices import resolve_price, unpriced
from harness.errors import ConfigError
from harness.estimate.estimate import RunEstimate, estimate_plan
from harness.estimate.history import calibrated_prices, compute_key, measured_outputs
from harness.plan import build_plan
from harness.store.records import PriceSnapshot
from harness.store.run_dir import RunDir

if TYPE_CHECKING:
    from harness.run import RunOptions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DryRun:
    """Result of a dry run: the estimate and what a real run would still need."""

    estimate: RunEstimate
    requests: int
    """Requests the run would send."""
    stored: int = 0
    """Samples already stored (when estimating the rest of a resumed run)."""
    missing_keys: list[str] = field(default_factory=list)
    """API key variables the real run would need but that are not set."""


def dry_run(config: RunConfig | None, options: RunOptions, results_dir: Path, resume_id: str | None = None) -> DryRun:
    """Estimate a new run of config, or the rest of the stored run resume_id; call no model.

    Args:
        config: the run config (ignored when resume_id is given: the stored one is used).
        options: the run's `RunOptions` (limit, suite patterns, data dir).
        results_dir: folder of earlier runs, read for measured output lengths.
        resume_id: estimate only the samples this stored run still lacks.
    """
    from harness.run import RunOptions, load_run_price_file, load_suites  # noqa: F811  deferred: harness.run imports this package

    done: set[tuple[str, str, str, int]] = set()
    if resume_id is None and config is None:
        raise ConfigError("a dry run needs a run config, or --resume RUN_ID to estimate the rest of a stored run")
    if resume_id is not None:
        run_dir = RunDir.open(results_dir, resume_id)
        manifest = run_dir.read_manifest()
        config = parse_config(manifest.config, source=f"{run_dir.path}/manifest.json")
        options = RunOptions(**manifest.options)
        done = {sample.key for sample in run_dir.iter_samples()}
    assert config is not None
    suites = load_suites(config, options)
    plan = [planned for planned in build_plan(config.models, suites, config.run.seed) if planned.key not in done]
    prices = planned_prices(config, load_run_price_file(config, {}), results_dir)
    history = measured_outputs(results_dir, exclude_run=resume_id)
    estimate = estimate_plan(plan, prices, history)
    return DryRun(estimate=estimate, requests=len(plan), stored=len(done), missing_keys=_missing_keys(config))


def planned_prices(config: RunConfig, prices: PriceFile | None, results_dir: Path) -> dict[str, PriceSnapshot]:
    """Resolve each model's price without starting any server."""
    calibrated = calibrated_prices(results_dir)
    resolved = {}
    for model in config.models:
        if model.price is None or model.price.compute is None:
            resolved[model.id] = resolve_price(model, prices)
            continue
        key = compute_key(model.model_dump(mode="json"))
        earlier = calibrated.get(key) if key is not None else None
        if earlier is None:
            resolved[model.id] = unpriced(model, "priced by compute time, measured when its server starts")
            continue
        run_id, snapshot = earlier
        # The throughput measured then is an estimate of this run's, on the same weights and hourly rate.
        resolved[model.id] = snapshot.model_copy(update={"model_id": model.id,
                                                         "source": f"{snapshot.source}, calibrated in run {run_id}"})
    return resolved


def _missing_keys(config: RunConfig) -> list[str]:
    return [model.api_key_env for model in config.models if model.api_key_env and not os.environ.get(model.api_key_env)]
