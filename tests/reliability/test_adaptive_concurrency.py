"""Concurrency adapts to rate limits: it backs off on 429, honours Retry-After, and recovers."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import yaml

from harness.store.run_dir import RunDir
from tests.reliability.support import REPLY, config, run_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

SAMPLES = 1200
MAX_CONCURRENCY = 32
LATENCY_S = 0.05
RETRY_AFTER_S = 0.2


class RateLimitedServer:
    """Allows `per_window` requests per 100 ms for the first `limited_s` seconds, then any number."""

    def __init__(self, per_window: int = 10, limited_s: float = 3.0) -> None:
        self.per_window = per_window
        self.limited_s = limited_s
        self.started: float | None = None
        self.windows: dict[int, int] = defaultdict(int)

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        now = time.monotonic()
        self.started = self.started if self.started is not None else now
        window = int((now - self.started) / 0.1)
        if now - self.started < self.limited_s:
            self.windows[window] += 1
            if self.windows[window] > self.per_window:
                return ScriptedReply(status=429, retry_after=RETRY_AFTER_S)
        return ScriptedReply(content=REPLY, delay_s=LATENCY_S)


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", SAMPLES)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    return root


def test_limiter_backs_off_and_recovers(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(RateLimitedServer()) as server:
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(config(server.api_base, concurrency=MAX_CONCURRENCY, retries=8)))
        completed = run_cli(["run", str(config_path), "--output-dir", str(tmp_path / "out"), "--cache", "off"])
        requests = list(server.requests)
    assert completed.returncode == 0, completed.stderr

    run_dir = RunDir(next((tmp_path / "out" / "results").glob("*-reliability-*")))
    samples = list(run_dir.iter_samples())
    assert len({sample.key for sample in samples}) == len(samples) == SAMPLES
    assert all(sample.outcome in ("correct", "incorrect") for sample in samples)
    rate_limited = [log for log in requests if log.status == 429]
    assert rate_limited, "the server never rate limited the run"

    # Each rate-limited sample waited at least Retry-After before its next attempt.
    by_key = defaultdict(list)
    for log in requests:
        by_key[log.key].append(log)
    for logs in by_key.values():
        for earlier, later in zip(logs, logs[1:]):
            if earlier.status == 429:
                assert later.at - earlier.at >= RETRY_AFTER_S * 0.9

    # The run's own log records each step: the decrease, the pause, the recovery and a summary.
    log = (run_dir.path / "logs" / "run.log").read_text()
    assert f"rate limited (429), concurrency {MAX_CONCURRENCY} -> {MAX_CONCURRENCY // 2}" in log
    assert f"Retry-After {RETRY_AFTER_S:.2f}s, new requests wait" in log
    assert f"concurrency back to its maximum of {MAX_CONCURRENCY}" in log
    assert "rate limit(s) (429); concurrency lowered" in log
    assert "rate limit(s) (429); concurrency lowered" in completed.stderr  # the summary also reaches the console
