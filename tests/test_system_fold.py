"""A provider that rejects system messages gets the system text in the user turn, recorded, never dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.config import parse_config
from harness.models.system_fold import fold_system_message, rejects_system_message
from harness.run import RunOptions, start_run
from harness.store.records import ErrorInfo
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

SYSTEM = "You are a careful legal assistant. End with 'Answer: Yes' or 'Answer: No'."
USER_ONLY = [{"role": "user", "content": "Q?"}]
WITH_SYSTEM = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Q?"}]

REJECTIONS = [
    ("BadRequestError", "System messages are not supported by this model", True),
    ("BadRequestError", "litellm.BadRequestError: OpenAIException - System role not supported", True),
    ("BadRequestError", "Unsupported role: system", True),
    ("BadRequestError", "Invalid value for 'messages[0].role': 'system'", True),
    ("UnprocessableEntityError", "the model does not support system prompts", True),
    ("BadRequestError", "injected 400", False),
    ("BadRequestError", "max_tokens is too large", False),
    ("RateLimitError", "System messages are not supported", False),
    ("AuthenticationError", "System role not supported", False),
]


@pytest.mark.parametrize(("error_type", "message", "expected"), REJECTIONS)
def test_rejected_system_role_is_recognised(error_type: str, message: str, expected: bool) -> None:
    error = ErrorInfo(type=error_type, message=message)

    assert rejects_system_message(error, WITH_SYSTEM) is expected
    assert rejects_system_message(error, USER_ONLY) is False
    assert rejects_system_message(None, WITH_SYSTEM) is False


FOLDS = [
    (WITH_SYSTEM, [{"role": "user", "content": f"{SYSTEM}\n\nQ?"}]),
    (USER_ONLY, USER_ONLY),
    (
        [{"role": "system", "content": "A"}, {"role": "system", "content": "B"}, {"role": "user", "content": "Q"},
         {"role": "assistant", "content": "R"}, {"role": "user", "content": "Q2"}],
        [{"role": "user", "content": "A\n\nB\n\nQ"}, {"role": "assistant", "content": "R"}, {"role": "user", "content": "Q2"}],
    ),
    ([{"role": "system", "content": "A"}], [{"role": "user", "content": "A"}]),
    (
        [{"role": "system", "content": "A"}, {"role": "user", "content": [{"type": "text", "text": "Q"}]}],
        [{"role": "user", "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "Q"}]}],
    ),
]


@pytest.mark.parametrize(("messages", "expected"), FOLDS)
def test_fold_system_message(messages: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    before = json.dumps(messages)

    assert fold_system_message(messages) == expected
    assert json.dumps(messages) == before


SUITE = """
name: mini-system
vertical: legal
kind: starter
description: two yes/no items asked with a system message
source:
  local: {files: [data/rows.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  system: "%s"
  template: "Q{{ item.id }}: {{ row.text }}"
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
max_tokens: 32
""" % SYSTEM
ROWS = [{"id": "1", "text": "first", "label": "Yes"}, {"id": "2", "text": "second", "label": "No"}]


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tasks" / "legal"
    (folder / "data").mkdir(parents=True)
    (folder / "mini-system.yaml").write_text(SUITE)
    (folder / "data" / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(tmp_path / "tasks"))
    return tmp_path / "tasks"


def config(api_base: str) -> Any:
    return parse_config({
        "name": "fold",
        "models": [{"id": "strict", "model": "openai/strict", "api_base": api_base, "role": "frontier",
                    "price": {"input_per_million": 1.0, "output_per_million": 1.0, "source": "test price"}}],
        "suites": ["legal/mini-system"],
        "run": {"retries": 1, "timeout_s": 10},
    })


def answer_without_system(message: str) -> Any:
    """A responder that refuses any request with a system message, as some providers do."""

    def respond(body: dict[str, Any]) -> ScriptedReply:
        if any(entry["role"] == "system" for entry in body["messages"]):
            return ScriptedReply(status=400, error_message=message)
        user = body["messages"][-1]["content"]
        assert user.startswith(SYSTEM), "the system text must reach the model"
        return ScriptedReply(content="Answer: Yes" if "Q1:" in user else "Answer: No")

    return respond


def test_rejected_system_message_is_folded_and_recorded(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(answer_without_system("System messages are not supported by this model")) as server:
        outcome = start_run(config(server.api_base), RunOptions(), tmp_path / "results")
        requests = [log.body["messages"] for log in server.requests]

    samples = sorted(outcome.run_dir.iter_samples(), key=lambda sample: sample.item_id)
    assert [sample.outcome for sample in samples] == ["correct", "correct"]
    for sample in samples:
        assert sample.details["system_folded"] is True
        assert [message["role"] for message in sample.messages] == ["user"]
        assert sample.messages[0]["content"] == f"{SYSTEM}\n\nQ{sample.item_id}: {ROWS[int(sample.item_id) - 1]['text']}"
        assert sample.attempts == 2
        assert any("folded into the user turn" in line for line in sample.details["retries"])
    # One refused request with the system message, then one folded request, per item.
    assert sorted(len(messages) for messages in requests) == [1, 1, 2, 2]


def test_other_bad_request_is_an_error_and_not_folded(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(answer_without_system("max_tokens is too large")) as server:
        outcome = start_run(config(server.api_base), RunOptions(), tmp_path / "results")
        request_count = len(server.requests)

    samples = list(outcome.run_dir.iter_samples())
    assert [sample.outcome for sample in samples] == ["error", "error"]
    assert all("system_folded" not in sample.details for sample in samples)
    assert all(sample.messages[0]["role"] == "system" for sample in samples)
    assert request_count == 2
