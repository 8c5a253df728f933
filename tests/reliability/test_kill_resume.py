"""SIGKILL at random points, then --resume: no sample lost or stored twice, and no finished sample requested again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from harness.store.run_dir import RunDir
from tests.reliability.support import REPLY, config, run_cli, sent_key, start_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, FaultInjector

ITEMS = 300
MODELS = ("spec", "front")
KILLS = 3


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", ITEMS)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    return root


def _kill_after_start(process: subprocess.Popen[bytes], results: Path, delay_s: float) -> bool:
    """Wait until the run has stored a new sample, then `delay_s` more, then SIGKILL; False when the run ended first."""
    deadline = time.monotonic() + 120
    stored_before = sum(path.stat().st_size for path in results.glob("*/samples.jsonl"))
    while sum(path.stat().st_size for path in results.glob("*/samples.jsonl")) <= stored_before:
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    time.sleep(delay_s)
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    return True


def test_sigkill_resume_exactly_once(tasks_dir: Path, tmp_path: Path) -> None:
    chance = random.Random(20261204)
    injector = FaultInjector({"500": 0.05}, lambda body: REPLY, seed=3, latency_s=0.03)
    out = tmp_path / "out"
    results = out / "results"
    with FakeOpenAIServer(injector) as server:
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(config(server.api_base, models=MODELS, concurrency=4, retries=3)))
        args = ["run", str(config_path), "--output-dir", str(out)]
        stored_at_kill: list[tuple[float, set[str]]] = []
        for _ in range(KILLS):
            process = start_cli(args)
            if not _kill_after_start(process, results, chance.uniform(0.0, 1.5)):
                break
            killed_at = time.time()
            run_dir = RunDir(next(results.glob("*/manifest.json")).parent)
            stored_at_kill.append((killed_at, {sent_key(s.model_id, s.messages) for s in run_dir.iter_samples()}))
            args = ["run", "--resume", run_dir.run_id, "--output-dir", str(out)]
        assert stored_at_kill, "every run finished before it could be killed"
        assert any(finished for _, finished in stored_at_kill), "no kill came after the first stored sample"
        completed = run_cli(args)
        requests = list(server.requests)
    assert completed.returncode == 0, completed.stderr

    run_dir = RunDir(next(results.glob("*/manifest.json")).parent)
    samples = list(run_dir.iter_samples())
    counts = Counter(sample.key for sample in samples)
    assert len(samples) == len(counts) == ITEMS * len(MODELS), "a sample is missing or stored twice"
    assert run_dir.read_manifest().status == "finished"
    for killed_at, finished in stored_at_kill:
        again = [log for log in requests if log.at > killed_at and log.key in finished]
        assert not again, f"{len(again)} request(s) after a kill were for samples already stored"
    # Every stored record matches the server's count of calls for its request, at least for the
    # attempts of the run that stored it (earlier, killed attempts may have added calls).
    calls = Counter(log.key for log in requests)
    assert all(calls[sent_key(s.model_id, s.messages)] >= s.attempts for s in samples)
