"""The response cache: what its key covers, hits and misses, and replay with no server."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cache import CacheMissError, cache_key
from harness.config import parse_config
from harness.run import RunOptions, start_run
from harness.store.run_dir import RunDir
from tests.reliability.support import REPLY, config, run_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, FaultInjector

ITEMS = 20
KEY_ENV = "VERTICALBENCH_TEST_CACHE_KEY"

BASE: dict[str, Any] = {
    "model": "openai/spec",
    "endpoint": "http://127.0.0.1:8000/v1",
    "messages": [{"role": "user", "content": "Q1: is it?"}],
    "params": {"max_tokens": 16, "temperature": 0.0, "seed": 1234},
    "seed": 1234,
    "repeat": 0,
}
CHANGES: dict[str, Any] = {
    "model": "openai/front",
    "endpoint": "http://127.0.0.1:8001/v1",
    "messages": [{"role": "user", "content": "Q1: is it really?"}],
    "params": {"max_tokens": 16, "temperature": 0.7, "seed": 1234},
    "seed": 99,
    "repeat": 1,
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_key_changes_with_each_input(field: str) -> None:
    changed = {**copy.deepcopy(BASE), field: CHANGES[field]}
    assert cache_key(**changed) != cache_key(**BASE)


def test_key_ignores_param_order() -> None:
    reordered = {**copy.deepcopy(BASE), "params": dict(reversed(list(BASE["params"].items())))}
    assert cache_key(**reordered) == cache_key(**copy.deepcopy(BASE))
    assert cache_key(**{**BASE, "endpoint": "http://127.0.0.1:8000/v1/"}) == cache_key(**BASE)


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", ITEMS)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    monkeypatch.setenv(KEY_ENV, "cache-test-key-value")
    return root


def _run(data: dict[str, Any], tmp_path: Path, mode: str) -> list[Any]:
    options = RunOptions(cache=mode, cache_dir=str(tmp_path / "cache"))  # type: ignore[arg-type]
    outcome = start_run(parse_config(data), options, tmp_path / "results")
    return sorted(outcome.run_dir.iter_samples(), key=lambda sample: sample.key)


def test_use_mode_hits_and_misses(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(FaultInjector({}, lambda body: REPLY)) as server:
        data = config(server.api_base, api_key_env=KEY_ENV)
        first = _run(data, tmp_path, "record")
        assert len(server.requests) == ITEMS

        again = _run(data, tmp_path, "use")
        assert len(server.requests) == ITEMS, "an identical request missed the cache"
        assert all(sample.details.get("cached") and sample.attempts == 0 for sample in again)
        assert [(s.reply, s.outcome, s.cost_usd) for s in again] == [(s.reply, s.outcome, s.cost_usd) for s in first]

        for change in (_with_param("temperature", 0.5), _with_seed(7), _with_model("openai/other")):
            before = len(server.requests)
            _run(change(data), tmp_path, "use")
            assert len(server.requests) - before == ITEMS, "a changed request was answered from the cache"


def _with_param(name: str, value: Any):  # type: ignore[no-untyped-def]
    def change(data: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(data)
        data["models"][0]["params"] = {name: value}
        return data
    return change


def _with_seed(seed: int):  # type: ignore[no-untyped-def]
    def change(data: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(data), "run": {**data["run"], "seed": seed}}
    return change


def _with_model(model: str):  # type: ignore[no-untyped-def]
    def change(data: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(data)
        data["models"][0]["model"] = model
        return data
    return change


def test_record_mode_ignores_other_runs(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(FaultInjector({}, lambda body: REPLY)) as server:
        data = config(server.api_base)
        _run(data, tmp_path, "record")
        _run(data, tmp_path, "record")
        assert len(server.requests) == 2 * ITEMS


def test_replay_without_server_or_key(tasks_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer(FaultInjector({"no_usage": 0.2}, lambda body: REPLY)) as server:
        data = config(server.api_base, api_key_env=KEY_ENV)
        first = _run(data, tmp_path, "record")
    monkeypatch.delenv(KEY_ENV)  # the server is stopped and the key is gone

    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data))
    completed = run_cli(["run", str(config_path), "--output-dir", str(tmp_path), "--cache", "replay",
                         "--cache-dir", str(tmp_path / "cache")])
    assert completed.returncode == 0, completed.stderr
    replayed = [RunDir(path.parent) for path in (tmp_path / "results").glob("*/manifest.json")
                if path.parent.name != first[0].run_id]
    assert len(replayed) == 1
    replay_samples = sorted(replayed[0].iter_samples(), key=lambda sample: sample.key)
    assert [(s.key, s.reply, s.outcome, s.usage, s.cost_usd) for s in replay_samples] == \
        [(s.key, s.reply, s.outcome, s.usage, s.cost_usd) for s in first]


def test_replay_missing_reply_creates_nothing(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(FaultInjector({}, lambda body: REPLY)) as server:
        data = config(server.api_base)
        _run(data, tmp_path, "record")
    runs_before = sorted(path.name for path in (tmp_path / "results").iterdir())
    with pytest.raises(CacheMissError, match=r"replay: 20 of 20 request\(s\) are not in the response cache .*--cache use"):
        _run(_with_param("temperature", 0.9)(data), tmp_path, "replay")
    assert sorted(path.name for path in (tmp_path / "results").iterdir()) == runs_before
