"""Output lengths measured in earlier runs, for the output side of an estimate.

Earlier samples are matched by the LiteLLM model string and the suite id, not by the model
id, because a config may reuse an id for another model. Only samples whose usage was
reported count; output = visible output + reasoning tokens, the tokens billed as output.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.store.records import PriceSnapshot
from harness.store.run_dir import MANIFEST, RunDir

logger = logging.getLogger(__name__)

HistoryKey = tuple[str, str]
"""(LiteLLM model string, suite id)."""


@dataclass
class OutputHistory:
    """Output tokens of earlier samples of one model string on one suite."""

    samples: int = 0
    output_tokens: int = 0
    runs: set[str] = field(default_factory=set)

    @property
    def mean(self) -> float:
        """Mean output tokens per sample."""
        return self.output_tokens / self.samples if self.samples else 0.0


def measured_outputs(results_dir: Path, exclude_run: str | None = None) -> dict[HistoryKey, OutputHistory]:
    """Read the output lengths of every stored run under results_dir.

    A run whose files cannot be read is skipped with a warning, so one damaged run does
    not block an estimate.
    """
    history: dict[HistoryKey, OutputHistory] = defaultdict(OutputHistory)
    if not results_dir.is_dir():
        return {}
    for path in sorted(results_dir.iterdir()):
        if path.name == exclude_run or not (path / MANIFEST).is_file():
            continue
        try:
            _add_run(RunDir(path), history)
        except StoreError as exc:
            logger.warning("skipping run %s in the output history: %s", path.name, exc)
    return dict(history)


def _add_run(run_dir: RunDir, history: dict[HistoryKey, OutputHistory]) -> None:
    manifest = run_dir.read_manifest()
    strings = {str(entry.get("id")): str(entry.get("model")) for entry in manifest.config.get("models", [])}
    for sample in run_dir.iter_samples():
        usage = sample.usage
        model_string = strings.get(sample.model_id)
        if model_string is None or not usage.reported or usage.output_tokens is None:
            continue
        entry = history[(model_string, sample.suite)]
        entry.samples += 1
        entry.output_tokens += usage.output_tokens + usage.reasoning_tokens
        entry.runs.add(run_dir.run_id)


ComputeKey = tuple[str, str, float]
"""(LiteLLM model string, local weights, hourly rate in US dollars) of a local model priced by compute time."""


def compute_key(entry: dict[str, Any]) -> ComputeKey | None:
    """Return the key of a config model entry priced by compute time, or None for any other model."""
    local, price = entry.get("local") or {}, entry.get("price") or {}
    compute = price.get("compute") if isinstance(price, dict) else None
    if not isinstance(local, dict) or not isinstance(compute, dict) or "hourly_usd" not in compute:
        return None
    return (str(entry.get("model")), str(local.get("weights")), float(compute["hourly_usd"]))


def calibrated_prices(results_dir: Path) -> dict[ComputeKey, tuple[str, PriceSnapshot]]:
    """Return the latest calibrated price of each local model in earlier runs, with that run's id.

    Run ids start with their UTC start time, so the last one in name order is the latest.
    """
    found: dict[ComputeKey, tuple[str, PriceSnapshot]] = {}
    if not results_dir.is_dir():
        return found
    for path in sorted(results_dir.iterdir()):
        if not (path / MANIFEST).is_file():
            continue
        try:
            manifest = RunDir(path).read_manifest()
        except StoreError as exc:
            logger.warning("skipping run %s when looking for calibrated prices: %s", path.name, exc)
            continue
        for entry in manifest.config.get("models", []):
            key = compute_key(entry)
            price = manifest.prices.get(str(entry.get("id")))
            if key is not None and price is not None and price.priced:
                found[key] = (manifest.run_id, price)
    return found
