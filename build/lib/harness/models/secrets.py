"""Secret handling: API keys are read from the environment and removed from any text we store."""

from __future__ import annotations

import os
import re

_registered: set[str] = set()
# Common key shapes, removed even when the variable holding them was not registered.
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|sk-ant-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,})")


def register_secret_env(name: str) -> None:
    """Remember the value of an environment variable so `redact` removes it."""
    value = os.environ.get(name)
    if value and len(value) >= 6:
        _registered.add(value)


def redact(text: str) -> str:
    """Return the text with every registered secret and key-shaped token replaced by '***'."""
    for secret in _registered:
        text = text.replace(secret, "***")
    return _KEY_PATTERN.sub("***", text)
