"""The reply confidence levels."""

from __future__ import annotations

import pytest

from harness.routing.confidence import answer_statements, reply_confidence


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Answer: No", 1.0),
        ("**Answer: Yes**", 1.0),
        ("First I thought Yes. Final answer: No", 1.0),
        ("The answer is (C).", 1.0),
        ("Answer: maybe", 1.0),  # a PubMedQA label, not a hedge
        ("Answer: Yes\nAnswer: No", 0.75),  # statements disagree
        ("I think the answer is B.", 0.75),  # hedged
        ("Yes.", 0.5),  # no answer statement
        ("probably Yes", 0.25),  # no statement and hedged
    ],
)
def test_short_answer_levels(reply: str, expected: float) -> None:
    assert reply_confidence(reply, "correct") == expected


@pytest.mark.parametrize("outcome", ["error", "unparseable", "truncated", "refused"])
def test_non_answers_score_zero(outcome: str) -> None:
    assert reply_confidence("Answer: Yes", outcome) == 0.0


def test_incorrect_answer_uses_text() -> None:
    assert reply_confidence("Answer: No", "incorrect") == 1.0


def test_code_needs_code_block() -> None:
    assert reply_confidence("```python\ndef f():\n    return 1\n```", "correct", "code") == 1.0
    assert reply_confidence("def f(): return 1", "correct", "code") == 0.5


def test_free_text_only_hedges_count() -> None:
    assert reply_confidence("The sea is wide and deep.", "correct", "ifeval") == 1.0
    assert reply_confidence("Maybe the sea is wide.", "correct", "ifeval") == 0.75


def test_statement_takes_first_word() -> None:
    assert answer_statements("Answer: B. Because of x\nThe answer is B") == ["b", "b"]
