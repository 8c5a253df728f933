"""A run that finishes is added to the run index without any command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config import parse_config
from harness.registry import index_path, list_runs, model_history
from harness.run import RunOptions, start_run
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

SUITE = """
name: tiny
vertical: legal
kind: starter
description: two yes/no items for the run index test
source:
  local: {files: [data/tiny.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  template: "{{ row.text }} End with 'Answer: Yes' or 'Answer: No'."
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
max_tokens: 16
"""


@pytest.fixture
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tasks" / "legal"
    (folder / "data").mkdir(parents=True)
    (folder / "tiny.yaml").write_text(SUITE)
    rows = [{"id": "T1", "text": "first", "label": "Yes"}, {"id": "T2", "text": "second", "label": "No"}]
    (folder / "data" / "tiny.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(tmp_path / "tasks"))
    return tmp_path / "tasks"


def test_finished_run_is_indexed(tasks_dir: Path, tmp_path: Path) -> None:
    config = {
        "name": "hook",
        "models": [{"id": "only", "model": "openai/only", "role": "frontier", "api_base": "", "price":
                    {"input_per_million": 1.0, "output_per_million": 1.0, "source": "test price"}}],
        "suites": ["legal/*"],
        "run": {"retries": 0, "timeout_s": 10},
    }
    # Both replies say Yes: T1 correct, T2 incorrect.
    with FakeOpenAIServer(lambda body: ScriptedReply(content="Answer: Yes", prompt_tokens=10, completion_tokens=3)) as server:
        config["models"][0]["api_base"] = server.api_base
        outcome = start_run(parse_config(config), RunOptions(), tmp_path / "results")

    results = tmp_path / "results"
    assert index_path(results).is_file()
    runs = list_runs(results)
    assert [run.run_id for run in runs] == [outcome.manifest.run_id]
    assert runs[0].status == "finished"
    assert runs[0].models[0].response_models == ("fake-model",)
    legal = model_history(results, "only")
    assert [record.accuracy for record in legal] == [0.5]
