"""Reading JSON Lines files whose every non-blank line must be one JSON object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class JsonLineError(ValueError):
    """A line that is not a JSON object; callers turn it into their own error with the fix.

    Attributes:
        number: the 1-based line number.
        problem: what is wrong, e.g. "is not valid JSON (Expecting value)".
    """

    def __init__(self, number: int, problem: str) -> None:
        super().__init__(f"line {number} {problem}")
        self.number = number
        self.problem = problem


def read_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of `path`.

    Raises:
        JsonLineError: a line is not valid JSON or not a JSON object.
        OSError: the file cannot be read.
    """
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise JsonLineError(number, f"is not valid JSON ({exc.msg})") from None
            if not isinstance(value, dict):
                raise JsonLineError(number, f"must be a JSON object, got {type(value).__name__}")
            yield number, value
