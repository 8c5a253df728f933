"""Retry lines name the reason of each failed attempt, not only LiteLLM's error class."""

from __future__ import annotations

import pytest

from harness.models.client import REASON_CHARS, short_reason
from harness.models.secrets import register_secret_env

# Messages as LiteLLM 1.83.14 words them for the fault server's faults.
SERVER_ERROR = ('litellm.InternalServerError: InternalServerError: OpenAIException - '
                '{"error": {"message": "injected 500", "type": "server_error"}}')
CLOSED = "litellm.InternalServerError: InternalServerError: OpenAIException - Server disconnected"
RESET = ("litellm.InternalServerError: InternalServerError: OpenAIException - the connection ended after the request "
         "was sent (ConnectError: [Errno 104] Connection reset by peer)")


@pytest.mark.parametrize(("message", "reason"), [
    (SERVER_ERROR, "injected 500"),
    (CLOSED, "Server disconnected"),
    ("plain text\nwith a second line", "plain text with a second line"),
])
def test_reason_is_the_gist(message: str, reason: str) -> None:
    assert short_reason(message) == reason


def test_long_reason_is_cut() -> None:
    reason = short_reason(RESET)

    assert len(reason) == REASON_CHARS
    assert reason.startswith("the connection ended after the request was sent")
    assert reason.endswith("...")


def test_reason_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASON_TEST_KEY", "plain-secret-value-42")
    register_secret_env("REASON_TEST_KEY")

    reason = short_reason("litellm.AuthenticationError: OpenAIException - bad key plain-secret-value-42 and sk-abcdef0123456789")

    assert "plain-secret-value-42" not in reason
    assert "sk-abcdef" not in reason
    assert reason == "bad key *** and ***"
