"""Explicit answer statements: "Answer: C", "The final answer is 42", "\\boxed{C}".

The last statement that names an answer wins, because models often give a first attempt and
then a corrected final answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.scoring.extract.core import Extraction

# "Answer: C", "The final answer is C", "The correct option is C", "Answer — C", and a
# heading "Final Answer" with the answer on a following line. "final answer" and "correct
# answer" end in "answer", so they need no pattern of their own.
_ANSWER_MARKER = (
    r"\b(?:answers?|(?:correct|right|best|final)\s+(?:option|choice|letter)s?)\b(?:[^\S\n]*[:=]"
    r"|[^\S\n]+(?:is|are|was|would\s+be|will\s+be|should\s+be|must\s+be)\b[^\S\n]*:?"
    r"|[^\S\n]*[-–—][^\S\n]"
    r"|[^\S\n]*(?=\n))"
)
PROSE_MARKER = re.compile(_ANSWER_MARKER, re.IGNORECASE)
# GSM8K-style replies end with "#### 42".
NUMBER_MARKER = re.compile(_ANSWER_MARKER + r"|####", re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")


@dataclass(frozen=True)
class Statement:
    """One explicit answer statement: the text after the marker and the whole span."""

    start: int
    body: str
    raw: str


def _body_after(text: str, position: int) -> tuple[str, int]:
    """Return the rest of the line at ``position``, or the next non-blank line if it is blank."""
    for line_match in re.finditer(r"[^\n]*", text[position:]):
        line = line_match.group(0)
        if line.strip():
            return line.strip(), position + line_match.end()
    return "", len(text)


def answer_statements(text: str, marker: re.Pattern[str]) -> list[Statement]:
    """Find all explicit answer statements in ``text``, ordered by position."""
    statements = []
    for match in marker.finditer(text):
        body, end = _body_after(text, match.end())
        statements.append(Statement(match.start(), body, text[match.start() : end].strip()))
    for match in _BOXED.finditer(text):
        statements.append(Statement(match.start(), match.group(1).strip(), match.group(0)))
    return sorted(statements, key=lambda statement: statement.start)


def from_last_statement(
    statements: Sequence[Statement],
    read_body: Callable[[str], Extraction | None],
    keep_body_raw: bool = False,
) -> Extraction | None:
    """Read statements from last to first and return the first one that names an answer.

    A statement whose body names nothing ("the answer is straightforward once ...") is
    skipped, so an earlier statement or a fallback can still supply the answer. The result's
    ``raw`` is the whole statement unless ``keep_body_raw`` keeps the span the reader chose.
    """
    for statement in reversed(statements):
        result = read_body(statement.body)
        if result is not None:
            raw = result.raw if keep_body_raw else statement.raw
            return Extraction(result.value, result.status, raw, result.note)
    return None
