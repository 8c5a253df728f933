"""Reprice a finished run under other prices, calling no model.

Every stored sample keeps its token usage, so its cost under another price is
`call_cost(usage, price)` by the rule the run used (`sample_cost`). The original
`samples.jsonl` and `manifest.json` are never changed: the repriced copy goes to
`results/<run>/reprice-<name>/` with its own manifest, whose run id is `<run>/reprice-<name>`,
so `verticalbench report` and `verticalbench roi` read it like any run and write its
reports to `reports/<run>/reprice-<name>/`.

Models the price file names get its prices, whatever the run used before; the others keep
the run's prices.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harness.config import parse_config
from harness.costs.price_file import PriceFile, PriceFileError
from harness.costs.prices import price_from_file, sample_cost, was_billed
from harness.store.records import Manifest, PriceSnapshot, Sample
from harness.store.run_dir import RunDir, utc_now

logger = logging.getLogger(__name__)

REPRICE_PREFIX = "reprice-"


@dataclass
class CostTally:
    """Original and repriced cost of one model on one vertical."""

    samples: int = 0
    billed: int = 0
    """Samples whose call returned a reply, i.e. that have a cost when their model is priced."""
    original: float = 0.0
    repriced: float = 0.0
    original_missing: int = 0
    """Billed samples without an original cost (unpriced model or usage not reported)."""
    repriced_missing: int = 0


@dataclass
class RepriceResult:
    """The repriced copy and its cost changes."""

    run_dir: RunDir
    manifest: Manifest
    repriced_models: list[str]
    kept_models: list[str]
    original_prices: dict[str, PriceSnapshot]
    tallies: dict[tuple[str, str], CostTally] = field(default_factory=dict)
    """Per (model id, vertical)."""


def copy_name(price_file: PriceFile, name: str | None) -> str:
    """Return the folder name of a repriced copy: 'reprice-' + the given name or the price file's stem."""
    raw = name or Path(price_file.path).stem
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.") or "prices"
    return REPRICE_PREFIX + slug


def new_prices(manifest: Manifest, price_file: PriceFile) -> tuple[dict[str, PriceSnapshot], list[str]]:
    """Return every model's price for the copy and the ids the file repriced.

    Raises:
        PriceFileError: no entry of the file matches a model of the run.
    """
    config = parse_config(manifest.config, source=f"manifest of run {manifest.run_id}")
    prices = dict(manifest.prices)
    repriced = []
    for model in config.models:
        snapshot = price_from_file(model, price_file)
        if snapshot is not None:
            prices[model.id] = snapshot
            repriced.append(model.id)
    if not repriced:
        ids = ", ".join(f"{m.id} ({m.model})" for m in config.models)
        raise PriceFileError(f"no entry of {price_file.path} matches a model of run {manifest.run_id}; "
                             f"key each entry by a model id or model string: {ids}")
    return prices, repriced


def reprice_run(source: RunDir, price_file: PriceFile, name: str | None = None) -> RepriceResult:
    """Write a repriced copy of a run next to its samples and return the cost changes."""
    manifest = source.read_manifest()
    prices, repriced = new_prices(manifest, price_file)
    folder = copy_name(price_file, name)
    target = RunDir(source.path / folder)
    target.path.mkdir(parents=True, exist_ok=True)
    tallies: dict[tuple[str, str], CostTally] = defaultdict(CostTally)
    _write_samples(source, target, prices, set(repriced), tallies)
    copy = _copy_manifest(manifest, folder, prices, price_file, repriced)
    target.write_manifest(copy)
    logger.info("repriced run %s into %s", manifest.run_id, target.path)
    kept = [model_id for model_id in prices if model_id not in repriced]
    return RepriceResult(run_dir=target, manifest=copy, repriced_models=repriced, kept_models=kept,
                         original_prices=dict(manifest.prices), tallies=dict(tallies))


def _write_samples(source: RunDir, target: RunDir, prices: dict[str, PriceSnapshot], repriced: set[str],
                   tallies: dict[tuple[str, str], CostTally]) -> None:
    """Stream the samples with their new costs into the copy, replacing any earlier copy at once."""
    handle, temp = tempfile.mkstemp(prefix=".samples.", dir=target.path)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for sample in source.iter_samples():
                cost = sample_cost(sample, prices[sample.model_id]) if sample.model_id in repriced else sample.cost_usd
                _tally(tallies[(sample.model_id, sample.vertical)], sample, cost)
                stream.write(sample.model_copy(update={"cost_usd": cost}).model_dump_json() + "\n")
        os.replace(temp, target.samples_path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _tally(tally: CostTally, sample: Sample, cost: float | None) -> None:
    tally.samples += 1
    if not was_billed(sample):
        return
    tally.billed += 1
    if sample.cost_usd is None:
        tally.original_missing += 1
    else:
        tally.original += sample.cost_usd
    if cost is None:
        tally.repriced_missing += 1
    else:
        tally.repriced += cost


def _copy_manifest(manifest: Manifest, folder: str, prices: dict[str, PriceSnapshot], price_file: PriceFile,
                   repriced: list[str]) -> Manifest:
    analysis = {key: value for key, value in manifest.cost_analysis.items() if key in ("roi", "readiness")}
    analysis["repriced"] = {
        "from_run": manifest.run_id,
        "price_file": price_file.path,
        "repriced_models": repriced,
        "original_prices": {model_id: price.model_dump(mode="json") for model_id, price in manifest.prices.items()},
        "at": utc_now(),
    }
    # The estimate is left out: its dollars are at the original prices.
    return manifest.model_copy(update={"run_id": f"{manifest.run_id}/{folder}", "prices": prices,
                                       "cost_analysis": analysis}, deep=True)
