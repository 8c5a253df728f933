"""Execution: send each planned request, score the reply and append the sample.

Each model gets its own queue, `max_concurrency` workers and an adaptive limit that backs
off on rate limits, so a slow or rate-limited model does not hold up the others. A reply
found in the response cache is used instead of a call. Scoring that runs programs happens
in worker threads, bounded by the number of cores. Every planned sample ends as exactly
one stored record: an unexpected failure while handling one sample is stored as its
`error` outcome instead of ending the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from harness.cache import CachedReply, ResponseCache, cache_key
from harness.config import ModelConfig, RunSettings
from harness.costs.prices import call_cost
from harness.models.attempt import close_http_client, configure_litellm
from harness.models.call_pool import CallPool
from harness.models.client import CallResult, Endpoint, call_model
from harness.models.limiter import AdaptiveLimiter
from harness.models.secrets import redact
from harness.models.system_fold import fold_system_message
from harness.plan import PlannedSample
from harness.scoring.score import CodeSettings, ScoreResult, score_reply
from harness.store.records import ErrorInfo, PriceSnapshot, Sample, Usage
from harness.store.run_dir import SampleWriter, utc_now

logger = logging.getLogger(__name__)


@dataclass
class ExecutionContext:
    """Everything the executor needs besides the plan."""

    run_id: str
    settings: RunSettings
    endpoints: dict[str, Endpoint]
    prices: dict[str, PriceSnapshot]
    writer: SampleWriter
    code: CodeSettings
    on_sample: Callable[[Sample], None] = lambda sample: None
    cache: ResponseCache | None = None
    limiters: dict[str, AdaptiveLimiter] = field(default_factory=dict)
    pool: CallPool | None = None
    """Call workers forked for this run (harness.models.call_pool); None makes every call here."""
    route_item: Callable[[PlannedSample, Callable[[PlannedSample], Awaitable[Sample]], Callable[[Sample], None]], Awaitable[None]] | None = None
    """Set by a routed run: sends one item down its model chain (harness.routing.live.LiveRouter.run_item)."""


async def execute(plan: list[PlannedSample], context: ExecutionContext) -> int:
    """Run every planned sample and return how many were written."""
    configure_litellm(context.settings.openai_sdk)
    if context.pool is not None:
        await context.pool.connect()
    queues: dict[str, asyncio.Queue[PlannedSample]] = {}
    seen: set[tuple[str, str, str, int]] = set()
    for planned in plan:
        if planned.key in seen:  # the loader rejects duplicate item ids; this guards the store all the same
            logger.warning("sample %s is planned twice; it is requested once", planned.key)
            continue
        seen.add(planned.key)
        queues.setdefault(planned.model.id, asyncio.Queue()).put_nowait(planned)
    scoring_slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
    workers = []
    for model_id, queue in queues.items():
        model = plan_model(plan, model_id)
        # A local llama.cpp server answers one request at a time; queued requests would only time out.
        concurrency = 1 if model.local is not None else model.max_concurrency
        context.limiters[model_id] = AdaptiveLimiter(model_id, concurrency)
        for _ in range(min(concurrency, queue.qsize())):
            workers.append(asyncio.create_task(_worker(queue, context, scoring_slots)))
    try:
        await asyncio.gather(*workers)
    finally:
        for limiter in context.limiters.values():
            if (line := limiter.summary()) is not None:
                logger.warning("%s", line)
        if context.pool is not None:
            await context.pool.close()
        await close_http_client()
    return context.writer.written


def plan_model(plan: list[PlannedSample], model_id: str) -> ModelConfig:
    """Return the model config of a model id in the plan."""
    return next(planned.model for planned in plan if planned.model.id == model_id)


def request_key(planned: PlannedSample, seed: int) -> str:
    """Return the response cache key of a planned sample."""
    model = planned.model
    # A local model's port changes from run to run, so its weights and settings name it instead.
    local = model.local
    where = f"local:{local.weights}:{local.chat_format}:{local.context}" if local is not None else model.api_base
    return cache_key(model.model, where, planned.messages, planned.params, seed, planned.repeat)


async def _worker(queue: asyncio.Queue[PlannedSample], context: ExecutionContext, scoring_slots: asyncio.Semaphore) -> None:
    while True:
        try:
            planned = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        if context.route_item is not None:  # the router calls one model or several, storing each sample
            await context.route_item(planned, lambda step: guarded_sample(step, context, scoring_slots),
                                     lambda sample: _store(sample, context))
            continue
        _store(await guarded_sample(planned, context, scoring_slots), context)


async def guarded_sample(planned: PlannedSample, context: ExecutionContext, scoring_slots: asyncio.Semaphore) -> Sample:
    """Return the scored sample of one request; a harness failure becomes the sample's `error` outcome."""
    started_at = utc_now()
    try:
        return await run_sample(planned, context, scoring_slots, started_at)
    except Exception as exc:  # a harness bug on one sample must not lose it or end the run
        logger.exception("model %s item %s/%s: could not handle the sample", planned.model.id, planned.suite.spec.id, planned.item.id)
        return _failed_sample(planned, context, started_at, exc)


def _store(sample: Sample, context: ExecutionContext) -> None:
    context.writer.write(sample)
    context.on_sample(sample)


async def run_sample(planned: PlannedSample, context: ExecutionContext, scoring_slots: asyncio.Semaphore,
                     started_at: str | None = None) -> Sample:
    """Call the model (or read the cache) for one planned sample and return the scored record."""
    started_at = started_at or utc_now()
    call, cached = await _reply(planned, context)
    if call.retries:
        logger.info("model %s item %s/%s: retried %d time(s): %s", planned.model.id, planned.suite.spec.id, planned.item.id, len(call.retries), "; ".join(call.retries))
    score = await _score(planned, call, context, scoring_slots)
    sample = _to_sample(planned, call, score, context, started_at)
    if cached:
        sample.details["cached"] = True
    return sample


async def _reply(planned: PlannedSample, context: ExecutionContext) -> tuple[CallResult, bool]:
    """Return the reply to a planned request from the cache when the mode allows, else from the model."""
    cache = context.cache
    key = request_key(planned, context.settings.seed) if cache is not None else ""
    cached = cache.lookup(key) if cache is not None else None
    if cached is not None:
        return _from_cache(cached, planned), True
    if cache is not None and cache.mode == "replay":  # a replay never calls a model
        return CallResult(error=ErrorInfo(type="CacheMiss", message="replay: the response cache has no reply for this request")), False
    endpoint = context.endpoints[planned.model.id]
    call = await call_model(endpoint, planned.messages, planned.params, context.settings, context.limiters.get(planned.model.id),
                            context.pool)
    if call.error is None and cache is not None:
        cache.store(key, planned.model.id, _to_cache(call))
    return call, False


def _from_cache(cached: CachedReply, planned: PlannedSample) -> CallResult:
    # The cache keeps no messages; a folded system message is folded again from the planned ones.
    folded = fold_system_message(planned.messages) if cached.system_folded else None
    return CallResult(reply=cached.reply, finish_reason=cached.finish_reason, usage=Usage.model_validate(cached.usage),
                      latency_s=cached.latency_s, attempts=0, response_model=cached.response_model, messages=folded,
                      system_folded=cached.system_folded)


def _to_cache(call: CallResult) -> CachedReply:
    return CachedReply(reply=call.reply, finish_reason=call.finish_reason, usage=call.usage.model_dump(mode="json"),
                       response_model=call.response_model, latency_s=call.latency_s, system_folded=call.system_folded)


def _failed_sample(planned: PlannedSample, context: ExecutionContext, started_at: str, exc: Exception) -> Sample:
    error = ErrorInfo(type=f"HarnessError.{type(exc).__name__}", message=redact(str(exc))[:2000])
    return Sample(
        run_id=context.run_id, model_id=planned.model.id, suite=planned.suite.spec.id, vertical=planned.suite.spec.vertical,
        item_id=planned.item.id, repeat=planned.repeat, group=planned.item.group, messages=planned.messages,
        params=planned.params, outcome="error", error=error, started_at=started_at,
    )


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
    if call.system_folded:
        details["system_folded"] = True
    return Sample(
        run_id=context.run_id,
        model_id=planned.model.id,
        suite=planned.suite.spec.id,
        vertical=planned.suite.spec.vertical,
        item_id=planned.item.id,
        repeat=planned.repeat,
        group=planned.item.group,
        # The messages as sent: the planned ones, unless the system message had to be folded.
        messages=call.messages or planned.messages,
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
