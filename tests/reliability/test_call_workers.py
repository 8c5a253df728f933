"""Call workers: a worker killed mid-run loses no sample, and workers die with the main process."""

from __future__ import annotations

import json

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from harness.config import RunSettings
from harness.errors import ConfigError
from harness.models.call_pool import MIN_CONCURRENCY, auto_workers, usable_cores
from harness.store.run_dir import RunDir
from tests.reliability.support import REPLY, config, sent_key, start_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, FaultInjector

ITEMS = 400
STARTED = re.compile(r"started (\d+) call worker\(s\): ([\d, ]+)")


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", ITEMS)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    return root


def worker_pids(results: Path, timeout_s: float = 60) -> list[int]:
    """Wait for the run log's line naming the call workers and return their pids."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for log in results.glob("*/logs/run.log"):
            found = STARTED.search(log.read_text())
            if found:
                return [int(pid) for pid in found.group(2).split(",")]
        time.sleep(0.05)
    raise AssertionError("the run log never named its call workers")


def stored(results: Path) -> int:
    return sum(path.read_text().count("\n") for path in results.glob("*/samples.jsonl"))


def is_gone(pid: int) -> bool:
    """True when the process no longer runs (exited, or a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def start_with_workers(tmp_path: Path, api_base: str, out: Path, stored_first: int) -> tuple[subprocess.Popen[bytes], list[int]]:
    """Start a run with two call workers; return it and the workers' pids once `stored_first` samples are stored."""
    data = config(api_base, concurrency=16, retries=3)
    data["run"]["call_workers"] = 2
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    process = start_cli(["run", str(path), "--output-dir", str(out)], stderr=subprocess.PIPE)
    pids = worker_pids(out / "results")
    deadline = time.monotonic() + 60
    while stored(out / "results") < stored_first and time.monotonic() < deadline:
        time.sleep(0.02)
    return process, pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="call workers are forked on Linux only")
def test_killed_worker_loses_no_sample(tasks_dir: Path, tmp_path: Path) -> None:
    injector = FaultInjector({}, lambda body: REPLY, latency_s=0.1)
    out = tmp_path / "out"
    with FakeOpenAIServer(injector) as server:
        process, pids = start_with_workers(tmp_path, server.api_base, out, 50)
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=240)
        requests = list(server.requests)
    assert process.returncode == 0, stderr.decode()

    run_dir = RunDir(next((out / "results").glob("*/manifest.json")).parent)
    samples = list(run_dir.iter_samples())
    assert len(samples) == ITEMS
    assert len({sample.key for sample in samples}) == ITEMS
    assert {sample.outcome for sample in samples} == {"correct", "incorrect"}
    lost = {sample.key for sample in samples if any("CallWorkerLost" in line for line in sample.details.get("retries", []))}
    assert lost, "no sample was in flight on the killed worker"
    assert "call worker" in (run_dir.path / "logs" / "run.log").read_text()

    # A lost call may or may not have reached the server before the worker died; every
    # other attempt is exactly one request.
    calls = Counter(log.key for log in requests)
    for sample in samples:
        sent = calls[sent_key(sample.model_id, sample.messages)]
        if sample.key in lost:
            assert sample.attempts - 1 <= sent <= sample.attempts
        else:
            assert sent == sample.attempts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="call workers are forked on Linux only")
def test_workers_die_with_the_main_process(tasks_dir: Path, tmp_path: Path) -> None:
    injector = FaultInjector({}, lambda body: REPLY, latency_s=0.2)
    out = tmp_path / "out"
    with FakeOpenAIServer(injector) as server:
        process, pids = start_with_workers(tmp_path, server.api_base, out, 20)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        killed_at = time.time()
        deadline = time.monotonic() + 10
        while not all(is_gone(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(is_gone(pid) for pid in pids), "a call worker outlived the killed run"
        time.sleep(0.5)
        late = [log for log in server.requests if log.at > killed_at]
    assert not late, f"{len(late)} request(s) reached the server after the run was killed"


def test_auto_workers() -> None:
    assert auto_workers(MIN_CONCURRENCY - 1) == 0
    cores = usable_cores()
    usable = sys.platform.startswith("linux") and cores > 1
    assert auto_workers(64) == (min(4, max(cores, 16)) if usable else 0)
    assert auto_workers(8) == (min(4, max(cores, 2)) if usable else 0)


@pytest.mark.parametrize("value", [-1, 33, "many", 1.5, True, "2"])
def test_bad_call_workers_names_the_key(value: object, tmp_path: Path) -> None:
    from harness.config import load_config

    data = config("http://127.0.0.1:9/v1")
    data["run"]["call_workers"] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "call_workers" in message
    assert json.dumps(value) in message  # the value as the YAML file spells it
    assert "without quotes" in message


def test_call_workers_leave_the_config_hash_alone() -> None:
    from harness.config import RunConfig

    base = config("http://127.0.0.1:9/v1")
    with_workers = {**base, "run": {**base["run"], "call_workers": 2}}
    assert RunConfig.model_validate(base).fingerprint() == RunConfig.model_validate(with_workers).fingerprint()
    assert RunSettings().call_workers == "auto"
