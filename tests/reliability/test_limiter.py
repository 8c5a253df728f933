"""The adaptive limit on its own: halving, the decrease interval, Retry-After pauses and recovery."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from harness.models.attempt import retry_after as _retry_after
from harness.models.limiter import AdaptiveLimiter


async def _request(limiter: AdaptiveLimiter, *, rate_limited: bool = False, retry_after: float | None = None) -> None:
    async with limiter.slot() as slot:
        await asyncio.sleep(0)
        slot.rate_limited = rate_limited
        slot.retry_after = retry_after
        slot.succeeded = not rate_limited


def test_limit_halves_once_per_interval() -> None:
    async def scenario() -> list[int]:
        limiter = AdaptiveLimiter("m", 16, decrease_interval_s=0.2)
        await _request(limiter, rate_limited=True)
        first = limiter.limit
        await _request(limiter, rate_limited=True)  # within the interval: no second decrease
        second = limiter.limit
        await asyncio.sleep(0.25)
        await _request(limiter, rate_limited=True)
        return [first, second, limiter.limit]

    assert asyncio.run(scenario()) == [8, 8, 4]


def test_limit_recovers_to_maximum() -> None:
    async def scenario() -> tuple[int, int]:
        limiter = AdaptiveLimiter("m", 8)
        await _request(limiter, rate_limited=True)
        lowered = limiter.limit
        for _ in range(40):  # 4 -> 8 takes 4 + 5 + 6 + 7 = 22 successes
            await _request(limiter)
        return lowered, limiter.limit

    assert asyncio.run(scenario()) == (4, 8)


def test_retry_after_pauses_new_requests() -> None:
    async def scenario() -> float:
        limiter = AdaptiveLimiter("m", 4)
        await _request(limiter, rate_limited=True, retry_after=0.3)
        started = time.monotonic()
        await _request(limiter)
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.28


def test_in_flight_never_exceeds_limit() -> None:
    async def scenario() -> int:
        limiter = AdaptiveLimiter("m", 3)
        peak = 0

        async def tracked() -> None:
            nonlocal peak
            async with limiter.slot() as slot:
                peak = max(peak, limiter.in_flight)
                await asyncio.sleep(0.01)
                slot.succeeded = True

        await asyncio.gather(*(tracked() for _ in range(30)))
        return peak

    assert asyncio.run(scenario()) == 3


class _Failure(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.litellm_response_headers = headers


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "2"}, 2.0),
    ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
    ({"retry-after": "soon"}, None),
    ({}, None),
])
def test_retry_after_header_forms(headers: dict[str, str], expected: float | None) -> None:
    assert _retry_after(_Failure(headers)) == expected


def test_retry_after_http_date() -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (_retry_after(_Failure({"retry-after": when})) or 0) <= 31
