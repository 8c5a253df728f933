"""Scoring of one reply: turn a model's text into an outcome, the extracted answer and details.

Outcome order: a provider error is decided by the caller; then a content-filter stop is
`refused`, a reply cut by the token limit is `truncated`, an empty reply is `unparseable`;
only then does the suite's scorer read the answer. An answer that cannot be read is
`unparseable`, or `refused` when the reply is a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.scoring.code import score_code
from harness.scoring.extract import Extraction, extract_choice, extract_label, extract_number, numbers_match
from harness.scoring.ifeval_scorer import score_ifeval
from harness.suites.items import Item
from harness.suites.prompt import LETTERS
from harness.suites.spec import SuiteSpec

# Openings of replies that decline the task, checked only when no answer could be read.
_REFUSAL = re.compile(
    r"^\s*(I'?m sorry|I am sorry|I can(?:no|')t (?:help|assist|provide|answer)|I cannot (?:help|assist|provide|answer)|"
    r"I(?: am|'m) (?:not able|unable) to (?:help|assist|provide|answer)|As an AI)",
    re.IGNORECASE,
)

SCALES = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "percent": 1.0}


@dataclass(frozen=True)
class ScoreResult:
    """The verdict on one reply."""

    outcome: str
    extracted: Any = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        """1.0 for correct, 0.0 for incorrect, None for non-answers."""
        return {"correct": 1.0, "incorrect": 0.0}.get(self.outcome)


@dataclass(frozen=True)
class CodeSettings:
    """How model-written code is run."""

    timeout_s: float = 10.0
    isolation: str = "auto"
    hidden_paths: tuple[str, ...] = ()
    """Folders the program must not see, beyond the sandbox defaults (the results and data dirs)."""


def score_reply(spec: SuiteSpec, item: Item, reply: str | None, finish_reason: str | None, code: CodeSettings = CodeSettings()) -> ScoreResult:
    """Score one reply against the item's reference."""
    if finish_reason == "content_filter":
        return ScoreResult("refused", details={"reason": "the provider stopped the reply with its content filter"})
    if finish_reason == "length":
        return ScoreResult("truncated", details={"reason": "the reply hit the output token limit"})
    if reply is None or not reply.strip():
        return ScoreResult("unparseable", details={"reason": "empty reply"})
    result = _dispatch(spec, item, reply, code)
    if result.outcome == "unparseable" and _REFUSAL.match(reply):
        return ScoreResult("refused", result.extracted, {**result.details, "reason": "the reply declines the task"})
    return result


def _dispatch(spec: SuiteSpec, item: Item, reply: str, code: CodeSettings) -> ScoreResult:
    if spec.scorer == "choice":
        return _score_choice(item, reply)
    if spec.scorer == "label":
        return _score_label(spec, item, reply)
    if spec.scorer == "numeric":
        return _score_numeric(spec, item, reply)
    if spec.scorer == "code":
        return score_code(spec, item, reply, code)
    if spec.scorer == "ifeval":
        return score_ifeval(item, reply)
    raise ValueError(f"unknown scorer {spec.scorer!r}")


def _from_extraction(extraction: Extraction, correct: bool) -> ScoreResult:
    if extraction.status != "ok":
        return ScoreResult("unparseable", extraction.raw, {"extraction": extraction.status, "reason": extraction.note})
    return ScoreResult("correct" if correct else "incorrect", extraction.value)


def _reference_letter(item: Item) -> str:
    reference = item.reference
    if isinstance(reference, int):
        return LETTERS[reference]
    text = str(reference).strip()
    if len(text) == 1 and text.upper() in LETTERS:
        return text.upper()
    if item.choices and text in item.choices:
        return LETTERS[item.choices.index(text)]
    raise ValueError(f"item {item.id}: reference {reference!r} is neither a letter, an index nor one of the options")


def _score_choice(item: Item, reply: str) -> ScoreResult:
    choices = item.choices or ()
    extraction = extract_choice(reply, choices, "".join(LETTERS[: len(choices)]))
    return _from_extraction(extraction, extraction.value == _reference_letter(item))


def _score_label(spec: SuiteSpec, item: Item, reply: str) -> ScoreResult:
    extraction = extract_label(reply, spec.answer.labels)
    reference = str(item.reference).strip().lower()
    return _from_extraction(extraction, str(extraction.value).lower() == reference)


def _score_numeric(spec: SuiteSpec, item: Item, reply: str) -> ScoreResult:
    answer = spec.answer
    extraction = extract_number(reply, parentheses_negative=answer.parentheses_negative)
    if extraction.status != "ok":
        return _from_extraction(extraction, False)
    reference = _reference_number(item)
    predicted = float(extraction.value)  # type: ignore[arg-type]
    candidates = [reference]
    if answer.scale_field:
        # A reference given in thousands or millions may be answered in full units, as TAT-QA allows.
        scale = str(item.row.get(answer.scale_field) or "").strip().lower()
        candidates.append(reference * SCALES.get(scale, 1.0))
    correct = any(numbers_match(predicted, value, rel_tol=answer.rel_tol, abs_tol=answer.abs_tol) for value in candidates)
    return ScoreResult("correct" if correct else "incorrect", predicted, {"reference_values": candidates})


def _reference_number(item: Item) -> float:
    reference = item.reference
    if isinstance(reference, (int, float)):
        return float(reference)
    from harness.scoring.extract import parse_number

    value = parse_number(str(reference))
    if value is None:
        raise ValueError(f"item {item.id}: reference {reference!r} is not a number")
    return value
