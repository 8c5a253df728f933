"""With API keys in the environment, no result file, cache entry, log line, report or error message contains them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reliability.support import REPLY, config, item_number, run_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

PLAIN_KEY = "vbtest-Plain-Secret-4f9a8c7d2e1b"
"""A key of no known shape, so only its registration hides it."""
SHAPED_KEY = "sk-vbtest-Shaped-Secret-0a1b2c3d4e5f"
ITEMS = 24


class EchoingServer:
    """Fails some requests with an error that quotes the key it was sent, as some providers do."""

    def __init__(self) -> None:
        self.keys_seen: set[str] = set()

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        number = item_number(body)
        key = PLAIN_KEY if body["model"] == "spec" else SHAPED_KEY
        if number % 6 == 1:
            return ScriptedReply(status=401, error_message=f"Incorrect API key provided: {key}. Find your key at ...")
        if number % 6 == 2:
            return ScriptedReply(status=500, error_message=f"upstream failed for key {key}")
        if number % 6 == 3:
            return ScriptedReply(status=400, error_message=f"bad request from {key}")
        return ScriptedReply(content=REPLY)


def _all_output(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_outputs_contain_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = write_suite(tmp_path / "tasks", ITEMS)
    env = {"VERTICALBENCH_TASKS_DIR": str(tasks), "VB_PLAIN_KEY": PLAIN_KEY, "VB_SHAPED_KEY": SHAPED_KEY}
    out = tmp_path / "out"
    outputs: list[str] = []
    with FakeOpenAIServer(EchoingServer()) as server:
        data = config(server.api_base, models=("spec", "front"), retries=1, timeout_s=5)
        data["models"][0]["api_key_env"] = "VB_PLAIN_KEY"
        data["models"][1]["api_key_env"] = "VB_SHAPED_KEY"
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(data))
        for args in (["-v", "run", str(config_path), "--output-dir", str(out)],
                     ["-v", "run", str(config_path), "--output-dir", str(out), "--cache", "use"]):
            completed = run_cli(args, env=env)
            assert completed.returncode == 0, completed.stderr
            outputs += [completed.stdout, completed.stderr]
        run_id = next((out / "results").glob("*/manifest.json")).parent.name
        completed = run_cli(["-v", "report", run_id, "--output-dir", str(out)], env=env)
        outputs += [completed.stdout, completed.stderr]
        sent = {log.headers.get("authorization", "") for log in server.requests}
    assert f"Bearer {PLAIN_KEY}" in sent, "the plain key was not used"
    assert f"Bearer {SHAPED_KEY}" in sent, "the key-shaped key was not used"

    # An error message about the config itself must not echo a key pasted in place of a variable name.
    data["models"][0]["api_key_env"] = SHAPED_KEY
    config_path.write_text(yaml.safe_dump(data))
    completed = run_cli(["run", str(config_path), "--output-dir", str(out)], env=env)
    assert completed.returncode == 2
    assert "api_key_env" in completed.stderr
    outputs += [completed.stdout, completed.stderr]

    files = _all_output(out)
    assert any(name.endswith("responses.sqlite") for name in files) and any(name.endswith("run.log") for name in files)
    samples = b"".join(content for name, content in files.items() if name.endswith("samples.jsonl"))
    assert samples.count(b"Incorrect API key provided: ***") >= 2, "the quoted keys did not reach the records redacted"
    for secret in (PLAIN_KEY, SHAPED_KEY):
        for name, content in files.items():
            assert secret.encode() not in content, f"{secret} found in {name}"
        for text in outputs:
            assert secret not in text, f"{secret} found in the console output"
