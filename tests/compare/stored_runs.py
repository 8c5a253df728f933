"""Write stored runs (manifest and samples) into a results directory for the registry and compare tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.store.records import ErrorInfo, Manifest, PriceSnapshot, Sample, SuiteSnapshot, Usage
from harness.store.run_dir import RunDir

PRICED = PriceSnapshot(model_id="spec", priced=True, input_per_million=1.0, output_per_million=2.0, source="config")


@dataclass(frozen=True)
class Answer:
    """One scripted sample: its item, outcome and what it cost."""

    suite: str
    item_id: str
    outcome: str
    cost: float | None = 0.001
    latency: float = 1.0
    group: str | None = None
    reply: str | None = None
    repeat: int = 0


def write_run(
    results: Path,
    run_id: str,
    answers: dict[str, Iterable[Answer]],
    *,
    started_at: str,
    status: str = "finished",
    response_models: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
) -> RunDir:
    """Write a run whose models answer as scripted; every model is priced unless its costs are None."""
    roles = roles or {}
    models = [
        {"id": model_id, "model": f"openai/{model_id}", "role": roles.get(model_id, "specialized"),
         "verticals": ["legal"] if roles.get(model_id, "specialized") == "specialized" else []}
        for model_id in answers
    ]
    answers = {model_id: list(items) for model_id, items in answers.items()}
    suites = sorted({answer.suite for items in answers.values() for answer in items})
    manifest = Manifest(
        run_id=run_id,
        name=f"name-{run_id}",
        config={"name": f"name-{run_id}", "models": models, "suites": suites},
        config_hash="ab12" * 4,
        prices={model_id: _price(model_id, items) for model_id, items in answers.items()},
        suites={suite: _suite(suite, answers) for suite in suites},
        versions={"verticalbench": "0.1.0"},
        started_at=started_at,
        finished_at=started_at if status == "finished" else None,
        status=status,
    )
    run_dir = RunDir.create(results, run_id)
    run_dir.write_manifest(manifest)
    # One write instead of SampleWriter, whose fsync per line makes many small test runs slow.
    lines = [
        _sample(run_id, model_id, answer, (response_models or {}).get(model_id)).model_dump_json() + "\n"
        for model_id, items in answers.items()
        for answer in items
    ]
    run_dir.samples_path.write_text("".join(lines), encoding="utf-8")
    return run_dir


def _price(model_id: str, items: list[Answer]) -> PriceSnapshot:
    if all(answer.cost is None for answer in items):
        return PriceSnapshot(model_id=model_id, priced=False, source="unpriced")
    return PRICED.model_copy(update={"model_id": model_id})


def _suite(suite: str, answers: dict[str, list[Answer]]) -> SuiteSnapshot:
    items = {answer.item_id for model_items in answers.values() for answer in model_items if answer.suite == suite}
    return SuiteSnapshot(suite=suite, vertical=suite.split("/")[0], kind="starter", source="local:test",
                         fingerprint="cd" * 32, items=len(items), scorer="label", description="test suite")


def _sample(run_id: str, model_id: str, answer: Answer, response_model: str | None) -> Sample:
    fields: dict[str, Any] = {}
    if answer.outcome == "error":
        fields["error"] = ErrorInfo(type="RateLimitError", message="too many requests")
        fields["usage"] = Usage(reported=False)
    else:
        fields["usage"] = Usage(input_tokens=100, output_tokens=50)
        fields["cost_usd"] = answer.cost
        fields["latency_s"] = answer.latency
        fields["reply"] = answer.reply if answer.reply is not None else f"{model_id} says {answer.outcome} on {answer.item_id}"
        fields["extracted"] = "Yes" if answer.outcome == "correct" else "No"
    return Sample(
        run_id=run_id, model_id=model_id, suite=answer.suite, vertical=answer.suite.split("/")[0],
        item_id=answer.item_id, repeat=answer.repeat, group=answer.group,
        messages=[{"role": "user", "content": f"question {answer.item_id}"}], reference="Yes",
        outcome=answer.outcome, response_model=response_model, started_at="2026-01-01T00:00:00+00:00", **fields,
    )
