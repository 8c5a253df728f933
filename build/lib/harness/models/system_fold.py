"""System messages for providers that reject them: detect the rejection and fold the text into the user turn.

Some providers and local chat templates refuse a `system` role (for example a chat template
without a system slot) and answer 400. The
harness then sends the same request once more with the system text at the start of the first
user message, records the messages actually sent and marks the sample, so a suite's
instructions are never silently dropped.
"""

from __future__ import annotations

import re
from typing import Any

from harness.store.records import ErrorInfo

# Error classes LiteLLM raises for a request the provider refuses as invalid.
_REJECTION_TYPES = frozenset({"BadRequestError", "UnprocessableEntityError", "UnsupportedParamsError"})
# The message must name the system role and say it is refused; any other 400 stays an error.
_SYSTEM_REFUSED = re.compile(
    r"system.{0,80}?(?:not (?:supported|allowed|permitted)|unsupported|does ?n[o']t support|invalid|not a valid)"
    r"|(?:unsupported|invalid|unknown|does ?n[o']t support|not support)[^\n]{0,60}?\bsystem\b",
    re.IGNORECASE | re.DOTALL,
)
SEPARATOR = "\n\n"


def has_system_message(messages: list[dict[str, Any]]) -> bool:
    """Tell whether any message has the system role."""
    return any(message.get("role") == "system" for message in messages)


def rejects_system_message(error: ErrorInfo | None, messages: list[dict[str, Any]]) -> bool:
    """Tell whether a failed call was refused because of its system message.

    True only for a bad-request error whose message names the system role as unsupported, on
    a request that had a system message; every other failure keeps its own outcome.
    """
    if error is None or error.type not in _REJECTION_TYPES or not has_system_message(messages):
        return False
    return _SYSTEM_REFUSED.search(error.message) is not None


def fold_system_message(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the messages without system messages, their text put before the first user turn's.

    The system texts are joined with a blank line and followed by a blank line. Without a user
    message, the system text becomes a user message where the first system message was.
    The input list and its messages are left unchanged.
    """
    if not has_system_message(messages):
        return list(messages)
    system_text = SEPARATOR.join(str(message.get("content") or "") for message in messages if message.get("role") == "system")
    folded: list[dict[str, Any]] = []
    pending = True
    for message in messages:
        if message.get("role") == "system":
            continue
        if pending and message.get("role") == "user":
            message = {**message, "content": _prepend(system_text, message.get("content"))}
            pending = False
        folded.append(message)
    if pending:
        first_system = next(index for index, message in enumerate(messages) if message.get("role") == "system")
        folded.insert(first_system, {"role": "user", "content": system_text})
    return folded


def _prepend(text: str, content: Any) -> Any:
    """Put text before a message's content, which is a string or a list of content parts."""
    if isinstance(content, list):
        return [{"type": "text", "text": text}, *content]
    return f"{text}{SEPARATOR}{content or ''}"
