"""Execution: send each planned request, score the reply and append the sample.

Each model gets its own queue and `max_concurrency` workers, so a slow or rate-limited
model does not hold up the others. Scoring that runs programs happens in worker threads,
bounded by the number of cores.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Callable

from harness.config import RunSettings
from harness.costs.prices import call_cost
from harness.models.client import CallResult, Endpoint, call_model
from harness.plan import PlannedSample
from harness.scoring.score import CodeSettings, ScoreResult, score_reply
from harness.store.records import ErrorInfo, PriceSnapshot, Sample
from harness.store.run_dir import SampleWriter, utc_now

logger = logging.getLogger(__name__)


@dataclass
class ExecutionContext:
    """What the executor needs besides the plan."""

    run_id: str
    settings: RunSettings
    endpoints: dict[str, Endpoint]
    prices: dict[str, PriceSnapshot]
    writer: SampleWriter
    code: CodeSettings
    on_sample: Callable[[Sample], None] = lambda sample: None


async def execute(plan: list[PlannedSample], context: ExecutionContext) -> int:
    """Run every planned sample and return how many were written."""
    queues: dict[str, asyncio.Queue[PlannedSample]] = {}
    for planned in plan:
        queues.setdefault(planned.model.id, asyncio.Queue()).put_nowait(planned)
    scoring_slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
    workers = []
    for model_id, queue in queues.items():
        model = plan_model(plan, model_id)
        # A local llama.cpp server answers one request at a time; queued requests would only time out.
        concurrency = 1 if model.local is not None else model.max_concurrency
        for _ in range(min(concurrency, queue.qsize())):
            workers.append(asyncio.create_task(_worker(queue, context, scoring_slots)))
    await asyncio.gather(*workers)
    return context.writer.written


def plan_model(plan: list[PlannedSample], model_id: str):  # type: ignore[no-untyped-def]
    """Return the model config of a model id in the plan."""
    return next(planned.model for planned in plan if planned.model.id == model_id)


async def _worker(queue: asyncio.Queue[PlannedSample], context: ExecutionContext, scoring_slots: asyncio.Semaphore) -> None:
    while True:
        try:
            planned = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        sample = await run_sample(planned, context, scoring_slots)
        context.writer.write(sample)
        context.on_sample(sample)


async def run_sample(planned: PlannedSample, context: ExecutionContext, scoring_slots: asyncio.Semaphore) -> Sample:
    """Call the model for one planned sample and return the scored record."""
    started_at = utc_now()
    endpoint = context.endpoints[planned.model.id]
    call = await call_model(endpoint, planned.messages, planned.params, context.settings)
    if call.retries:
        logger.info("model %s item %s/%s: retried %d time(s): %s", planned.model.id, planned.suite.spec.id, planned.item.id, len(call.retries), "; ".join(call.retries))
    score = await _score(planned, call, context, scoring_slots)
    return _to_sample(planned, call, score, context, started_at)


async def _score(planned: PlannedSample, call: CallResult, context: ExecutionContext, scoring_slots: asyncio.Semaphore) -> ScoreResult:
    if call.error is not None:
        return ScoreResult("error")
    spec = planned.suite.spec
    try:
        if spec.scorer == "code":
            async with scoring_slots:
                return await asyncio.to_thread(score_reply, spec, planned.item, call.reply, call.finish_reason, context.code)
        return score_reply(spec, planned.item, call.reply, call.finish_reason, context.code)
    except Exception as exc:  # a scorer bug on one reply must not end the run
        logger.exception("scoring failed for model %s item %s/%s", planned.model.id, spec.id, planned.item.id)
        return ScoreResult("error", details={"scoring_error": {"type": type(exc).__name__, "message": str(exc)[:2000]}})


def _to_sample(planned: PlannedSample, call: CallResult, score: ScoreResult, context: ExecutionContext, started_at: str) -> Sample:
    details = dict(score.details)
    error = call.error
    scoring_error = details.get("scoring_error")
    if error is None and scoring_error:
        error = ErrorInfo(type=f"ScoringError.{scoring_error['type']}", message=scoring_error["message"])
    if call.retries:
        details["retries"] = call.retries
    return Sample(
        run_id=context.run_id,
        model_id=planned.model.id,
        suite=planned.suite.spec.id,
        vertical=planned.suite.spec.vertical,
        item_id=planned.item.id,
        repeat=planned.repeat,
        group=planned.item.group,
        messages=planned.messages,
        params=planned.params,
        reply=call.reply,
        finish_reason=call.finish_reason,
        usage=call.usage,
        latency_s=call.latency_s,
        attempts=call.attempts,
        # A reply that failed only in scoring was still a paid call, so it keeps its cost.
        cost_usd=call_cost(call.usage, context.prices[planned.model.id]) if call.error is None else None,
        reference=_jsonable(planned.item.reference),
        extracted=_jsonable(score.extracted),
        score=score.score,
        outcome=score.outcome,  # type: ignore[arg-type]
        error=error,
        details=details,
        response_model=call.response_model,
        started_at=started_at,
    )


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return str(value)
