"""Items: the rows of a suite after field mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Item:
    """One row of a suite: a stable id, the raw row, the reference answer and optional options."""

    id: str
    row: Mapping[str, Any]
    reference: Any
    choices: tuple[str, ...] | None = None
    group: str | None = None
    fewshot: tuple[Mapping[str, Any], ...] = field(default=())
    prompt_file: str | None = None
    """Text of the suite's prompt file with its slots still unfilled; the same string for every item."""
