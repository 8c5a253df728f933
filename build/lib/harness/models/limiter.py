"""Adaptive concurrency per model: additive increase, multiplicative decrease on rate limits.

Each model's requests pass through one `AdaptiveLimiter`. It starts at the model's
`max_concurrency`; a 429 halves the limit, at most once per `decrease_interval_s` and only
for a request sent after the last decrease, so a burst of 429s from one round of requests
counts once and a stray 429 among many successes does not pin the limit low. A Retry-After
header pauses every new request to that model until it has passed. Each success adds 1/limit, so the limit grows
by about one per round of successes until it is back at the maximum. Changes are logged
with the model id.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator

logger = logging.getLogger(__name__)


@dataclass
class Slot:
    """One request's hold on the limiter; the caller marks how the request ended."""

    started: float
    """Loop time when the slot was granted."""
    rate_limited: bool = False
    retry_after: float | None = None
    succeeded: bool = False


@dataclass
class LimiterStats:
    """What the limiter did during a run, for the closing log line."""

    rate_limits: int = 0
    decreases: int = 0
    lowest: int = 0
    pauses_s: float = 0.0
    history: list[tuple[float, int]] = field(default_factory=list)
    """(loop time, new limit) at every decrease and at every return to the maximum."""


class AdaptiveLimiter:
    """An AIMD concurrency limit with Retry-After pauses for one model.

    Args:
        model_id: the model's id, used in log lines.
        maximum: the configured `max_concurrency`, which the limit never exceeds.
        minimum: the lowest limit a run of 429s can reach.
        decrease_interval_s: the shortest time between two decreases.
    """

    def __init__(self, model_id: str, maximum: int, minimum: int = 1, decrease_interval_s: float = 1.0) -> None:
        self.decrease_interval_s = decrease_interval_s
        self.model_id = model_id
        self.maximum = maximum
        self.minimum = max(1, min(minimum, maximum))
        self._limit = float(maximum)
        self.in_flight = 0
        self._paused_until = 0.0
        self._last_decrease = float("-inf")
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0
        self.stats = LimiterStats(lowest=maximum)

    @property
    def limit(self) -> int:
        """The current number of requests allowed in flight."""
        return int(self._limit)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """Wait for room, hold it while the request runs, then adapt the limit to how it ended."""
        started = await self._acquire()
        slot = Slot(started=started)
        try:
            yield slot
        finally:
            self._release(slot)

    async def _acquire(self) -> float:
        loop = asyncio.get_running_loop()
        if not self._waiters and self._has_room(loop.time()):
            self.in_flight += 1
            return loop.time()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # `_wake` counts the slot for us before it resolves the future
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.in_flight -= 1
                self._wake()
            else:
                self._waiters.remove(waiter)
            raise
        return loop.time()

    def _has_room(self, now: float) -> bool:
        return now >= self._paused_until and self.in_flight < self.limit

    def _release(self, slot: Slot) -> None:
        self.in_flight -= 1
        if slot.rate_limited:
            self._on_rate_limit(slot)
        elif slot.succeeded:
            self._on_success()
        self._wake()

    def _on_rate_limit(self, slot: Slot) -> None:
        now = asyncio.get_running_loop().time()
        self.stats.rate_limits += 1
        if slot.retry_after:
            self._pause(now, slot.retry_after)
        # Requests already in flight when the limit last dropped saw the old load; their 429s
        # say nothing about the new limit.
        if slot.started < self._last_decrease or now - self._last_decrease < self.decrease_interval_s:
            return
        old = self.limit
        self._limit = float(max(self.minimum, old // 2))
        self._last_decrease = now
        if self.limit < old:
            self.stats.decreases += 1
            self.stats.lowest = min(self.stats.lowest, self.limit)
            self.stats.history.append((now, self.limit))
            logger.info("model %s: rate limited (429), concurrency %d -> %d", self.model_id, old, self.limit)

    def _pause(self, now: float, seconds: float) -> None:
        until = now + seconds
        if until <= self._paused_until:
            return
        self.stats.pauses_s += until - max(now, self._paused_until)
        self._paused_until = until
        logger.info("model %s: Retry-After %.2fs, new requests wait until it has passed", self.model_id, seconds)
        self._schedule_wake()

    def _schedule_wake(self) -> None:
        """Make sure `_wake` runs once the current pause has ended."""
        when = self._paused_until + 0.001  # a timer may fire up to one clock tick early
        if self._timer is not None and self._timer_when >= when:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_when = when
        self._timer = asyncio.get_running_loop().call_at(when, self._wake)

    def _on_success(self) -> None:
        if self._limit >= self.maximum:
            return
        old = self.limit
        self._limit = min(float(self.maximum), self._limit + 1.0 / self._limit)
        if self.limit == self.maximum and old < self.maximum:
            now = asyncio.get_running_loop().time()
            self.stats.history.append((now, self.limit))
            logger.info("model %s: concurrency back to its maximum of %d", self.model_id, self.maximum)

    def _wake(self) -> None:
        """Hand free slots to waiting requests in arrival order."""
        now = asyncio.get_running_loop().time()
        if now < self._paused_until:
            self._schedule_wake()
            return
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue
            self.in_flight += 1
            waiter.set_result(None)

    def summary(self) -> str | None:
        """Return one line on how 429s shaped this model's concurrency, or None when there were none."""
        if not self.stats.rate_limits:
            return None
        return (f"model {self.model_id}: {self.stats.rate_limits} rate limit(s) (429); concurrency lowered "
                f"{self.stats.decreases} time(s), lowest {self.stats.lowest} of {self.maximum}, ended at {self.limit}; "
                f"new requests paused {self.stats.pauses_s:.1f}s in total for Retry-After")
