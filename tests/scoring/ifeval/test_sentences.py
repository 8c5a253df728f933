"""Sentence splitting used by length_constraints:number_sentences."""

from __future__ import annotations

import pytest

from harness.scoring.ifeval.checks_sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello world. How are you? Fine!", ["Hello world.", "How are you?", "Fine!"]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("Pi is 3.14. Yes.", ["Pi is 3.14.", "Yes."]),
        ("Wait... what?! Really.", ["Wait... what?!", "Really."]),
        ('"Go." He went.', ['"Go."', "He went."]),
        ("Use e.g. this. Then stop.", ["Use e.g. this.", "Then stop."]),
        ("I met J. Smith there.", ["I met J. Smith there."]),
        ("Visit example.com today.", ["Visit example.com today."]),
        ("A line\nwithout a stop", ["A line\nwithout a stop"]),
        ("My answer is no. Next.", ["My answer is no.", "Next."]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
