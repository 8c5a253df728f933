"""A long run against a server that injects faults into a fifth of its replies.

Every planned sample must end as exactly one record with the outcome that the fault
schedule implies, and every retry must show in the server's log and in the record.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

import pytest

from harness.config import parse_config
from harness.run import RunOptions, start_run
from tests.reliability.support import REPLY, config, expected, item_number, sent_key, write_suite
from tests.support.openai_server import ServerProcess

SAMPLES = 10_000
RETRIES = 3
# 20% of requests get a fault; each retryable kind is retried, the others end the sample or pass.
RATES = {"429": 0.03, "500": 0.03, "503": 0.03, "reset": 0.02, "close": 0.01, "timeout": 0.005, "malformed": 0.02,
         "trickle": 0.02, "empty_choices": 0.01, "no_usage": 0.025}


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", SAMPLES)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    return root


def test_faulty_server_one_record_per_sample(tasks_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert sum(RATES.values()) == pytest.approx(0.20)
    caplog.set_level(logging.INFO, logger="harness")
    started = time.perf_counter()
    # The server runs in its own process so that it does not slow the client down through the GIL.
    # A reply slower than the client's timeout would count as an extra, unplanned fault, so the
    # timeout leaves room for a busy machine, and a 'timeout' fault hangs well past it.
    with ServerProcess(tmp_path / "requests.jsonl", rates=RATES, seed=7, retry_after=0.02, hang_s=6.0, reply=REPLY) as server:
        run_config = parse_config(config(server.api_base, concurrency=128, retries=RETRIES, timeout_s=3.0))
        outcome = start_run(run_config, RunOptions(cache="off"), tmp_path / "results")
    elapsed = time.perf_counter() - started
    injector, requests = server.injector, server.requests()

    samples = list(outcome.run_dir.iter_samples())
    keys = Counter(sample.key for sample in samples)
    assert len(samples) == SAMPLES, f"{SAMPLES - len(samples)} planned samples have no record"
    assert max(keys.values()) == 1, "a sample was stored twice"
    assert {key[2] for key in keys} == {f"I{n}" for n in range(SAMPLES)}

    calls = Counter(log.key for log in requests)
    retried_in_log = Counter(log.key for log in requests if log.retry)
    faults = Counter(log.fault for log in requests)
    for sample in samples:
        key = sent_key(sample.model_id, sample.messages)
        outcome_expected, attempts, error_type = expected(injector, key, RETRIES, int(sample.item_id[1:]))
        assert (sample.outcome, sample.attempts) == (outcome_expected, attempts), (sample.item_id, sample.details, sample.error)
        assert (sample.error.type if sample.error else None) == error_type, sample.item_id
        assert calls[key] == attempts, f"{sample.item_id}: the server saw {calls[key]} calls, the record says {attempts}"
        assert retried_in_log[key] == attempts - 1 == len(sample.details.get("retries", []))
        if injector.fault_for(key, attempts) == "no_usage":
            assert not sample.usage.reported
            assert sample.cost_usd is None
    assert sum(calls.values()) == len(requests) > SAMPLES
    assert all(faults[name] > 0 for name in RATES), faults
    assert outcome.manifest.status == "finished"
    assert any("rate limited (429)" in record.getMessage() for record in caplog.records)
    print(f"{SAMPLES} samples, {len(requests)} requests, faults {dict(faults)}, {elapsed:.1f}s")
