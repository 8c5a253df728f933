"""Bad input gets one clear error that names the file, the line or key, the value and the fix,
and leaves every stored file as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import main
from harness.config import parse_config
from harness.run import RunOptions, start_run
from tests.reliability.support import REPLY, config, write_suite
from tests.support.openai_server import FakeOpenAIServer, FaultInjector

ITEMS = 6


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A tasks dir, a server, an output dir with one finished run, and a valid config file."""
    tasks = write_suite(tmp_path / "tasks", ITEMS)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(tasks))
    with FakeOpenAIServer(FaultInjector({}, lambda body: REPLY)) as server:
        data = config(server.api_base)
        outcome = start_run(parse_config(data), RunOptions(), tmp_path / "out" / "results")
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(data))
        yield {"tasks": tasks, "data": data, "config": config_path, "out": tmp_path / "out", "run_dir": outcome.run_dir}


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _fails_cleanly(workspace: dict[str, Any], args: list[str], *expected: str) -> str:
    """Run the CLI, expect exit code 2 with one error naming every expected part, and no stored file changed."""
    before = _snapshot(workspace["out"])
    result = CliRunner().invoke(main, args)
    message = result.output  # stdout and stderr together
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert message.count("error: ") == 1, message
    assert "Traceback" not in message, message
    for part in expected:
        assert part in message, f"{part!r} missing from: {message}"
    assert _snapshot(workspace["out"]) == before, "a stored file changed"
    return message


def _run_args(workspace: dict[str, Any]) -> list[str]:
    return ["run", str(workspace["config"]), "--output-dir", str(workspace["out"])]


def _rewrite_config(workspace: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(json.dumps(workspace["data"]))
    change(data)
    workspace["config"].write_text(yaml.safe_dump(data))


def test_malformed_yaml(workspace: dict[str, Any]) -> None:
    workspace["config"].write_text("name: broken\nmodels:\n  - id: a\n    model: openai/x\n   role: frontier\n")
    _fails_cleanly(workspace, _run_args(workspace), str(workspace["config"]), "invalid YAML", "line 5", "role: frontier",
                   "Fix the syntax")


def test_unknown_key(workspace: dict[str, Any]) -> None:
    _rewrite_config(workspace, lambda data: data["run"].update(retriez=5))
    _fails_cleanly(workspace, _run_args(workspace), str(workspace["config"]), "run.retriez = 5", "unknown key; remove it")


def test_non_numeric_price(workspace: dict[str, Any]) -> None:
    _rewrite_config(workspace, lambda data: data["models"][0]["price"].update(input_per_million="$0.50"))
    _fails_cleanly(workspace, _run_args(workspace), str(workspace["config"]), "models.0.price.input_per_million",
                   '"$0.50"', "write a plain number")


def test_unknown_model_string(workspace: dict[str, Any]) -> None:
    _rewrite_config(workspace, lambda data: data["models"][0].update(model="mystery-model-9000", api_base=None))
    _fails_cleanly(workspace, _run_args(workspace), str(workspace["config"]), "models.0.model",
                   "'mystery-model-9000'", "Write it as 'provider/model'")


def test_missing_dataset(workspace: dict[str, Any]) -> None:
    (workspace["tasks"] / "legal" / "data" / "yes-no.jsonl").unlink()
    _fails_cleanly(workspace, _run_args(workspace), "legal/yes-no", "'data/yes-no.jsonl'",
                   str(workspace["tasks"] / "legal"), "Check --data-dir")


def test_corrupt_dataset_line(workspace: dict[str, Any]) -> None:
    path = workspace["tasks"] / "legal" / "data" / "yes-no.jsonl"
    lines = path.read_text().splitlines()
    lines[2] = '{"id": "I2", "text": "statement 2", "label": '
    path.write_text("\n".join(lines) + "\n")
    _fails_cleanly(workspace, _run_args(workspace), str(path), "line 3", "not valid JSON", "Fix or remove that line")


def test_unknown_scorer(workspace: dict[str, Any]) -> None:
    suite = workspace["tasks"] / "legal" / "yes-no.yaml"
    suite.write_text(suite.read_text().replace("scorer: label", "scorer: fuzzy-match"))
    _fails_cleanly(workspace, _run_args(workspace), str(suite), "scorer", "fuzzy-match")


def test_corrupt_line_in_samples(workspace: dict[str, Any]) -> None:
    run_dir = workspace["run_dir"]
    lines = run_dir.samples_path.read_text().splitlines()
    lines[1] = lines[1][:40] + "#garbage"
    run_dir.samples_path.write_text("\n".join(lines) + "\n")
    _fails_cleanly(workspace, ["run", "--resume", run_dir.run_id, "--output-dir", str(workspace["out"])],
                   str(run_dir.samples_path), "line 2 is corrupt", "#garbage", "Remove or repair that line")
