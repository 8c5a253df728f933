"""Shared core of answer extraction: the result type and its constructors.

Every extractor returns an `Extraction`: a value with status "ok", or "missing" (no answer,
including empty replies) or "ambiguous" (the reply commits to two different answers, which a
scorer must never credit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ExtractionStatus = Literal["ok", "missing", "ambiguous"]


@dataclass(frozen=True)
class Extraction:
    """Answer extracted from one model reply.

    Attributes:
        value: canonical answer: a letter from ``letters`` for choices, a float for numbers,
            or the spelling from ``labels`` for labels. None unless ``status`` is "ok".
        status: "ok", "missing" (no answer found, including empty replies) or
            "ambiguous" (the reply gives conflicting answers).
        raw: text span that produced the value or the conflict. It is taken from the reply
            after markdown and LaTeX markup were removed, so it may differ from the reply.
        note: short reason for a missing or ambiguous result.
    """

    value: str | float | None
    status: ExtractionStatus
    raw: str | None = None
    note: str | None = None


def missing(note: str) -> Extraction:
    """Return a "missing" result with the reason nothing was found."""
    return Extraction(value=None, status="missing", note=note)


def ambiguous(raw: str, found: Sequence[object]) -> Extraction:
    """Return an "ambiguous" result that lists the conflicting answers found in ``raw``."""
    listed = ", ".join(str(item) for item in found)
    return Extraction(value=None, status="ambiguous", raw=raw, note=f"conflicting answers: {listed}")


def is_blank(reply: str | None) -> bool:
    """Tell whether a reply is None or holds only whitespace."""
    return reply is None or not reply.strip()


def distinct(items: Sequence[str]) -> list[str]:
    """Return the items without repeats, in order of first appearance."""
    return list(dict.fromkeys(items))
