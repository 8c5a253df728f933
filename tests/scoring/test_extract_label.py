"""Table tests for closed-set label extraction."""

from __future__ import annotations

import pytest

from harness.scoring.extract import extract_label

YES_NO = ["Yes", "No"]
YES_NO_MAYBE = ["yes", "no", "maybe"]
TRADEMARK = ["generic", "descriptive", "suggestive", "arbitrary", "fanciful"]

# (reply, labels, expected canonical label)
OK_CASES = [
    # Explicit answer statements, matched case-insensitively.
    ("Answer: Yes", YES_NO, "Yes"),
    ("Answer: no", YES_NO, "No"),
    ("ANSWER: YES", YES_NO, "Yes"),
    ("Final answer: **No**", YES_NO, "No"),
    ("The answer is maybe.", YES_NO_MAYBE, "maybe"),
    ("Answer: DESCRIPTIVE", TRADEMARK, "descriptive"),
    ("Answer: The mark is suggestive.", TRADEMARK, "suggestive"),
    ("Answer: \"arbitrary\"", TRADEMARK, "arbitrary"),
    ("## Final Answer\n\n*Fanciful*", TRADEMARK, "fanciful"),
    ("\\boxed{\\text{generic}}", TRADEMARK, "generic"),
    ("Answer: Not generic but descriptive.", TRADEMARK, "descriptive"),
    # The last explicit statement wins.
    ("Answer: Yes\n\nOn reflection, final answer: No", YES_NO, "No"),
    ("Answer: generic.\nHowever, consumers see a link. The answer is suggestive.", TRADEMARK, "suggestive"),
    # A statement that names no label is skipped.
    ("Answer: no\nThe answer is straightforward under the statute.", YES_NO, "No"),
    # A label that opens the reply.
    ("Yes.", YES_NO, "Yes"),
    ("yes", YES_NO, "Yes"),
    ("No, because the statute does not apply.", YES_NO, "No"),
    ("**Yes** - the contract was formed.", YES_NO, "Yes"),
    ("Maybe; the record is incomplete.", YES_NO_MAYBE, "maybe"),
    ("Descriptive: the mark describes the product.", TRADEMARK, "descriptive"),
    # "Yes, no doubt" is one answer, not two labels.
    ("Yes, no doubt about it.", YES_NO, "Yes"),
    # A label on the last line.
    ("The court looked at prior use.\n\n**No**", YES_NO, "No"),
    ("Reasoning first.\n\nmaybe.", YES_NO_MAYBE, "maybe"),
    # A single label mentioned anywhere.
    ("The mark is descriptive of the goods.", TRADEMARK, "descriptive"),
    ("Yes it is allowed.", YES_NO, "Yes"),
    ("It is not generic; it is descriptive.", TRADEMARK, "descriptive"),
    ("This mark isn't generic, it is suggestive.", TRADEMARK, "suggestive"),
    # Word boundaries: "now" and "eyes" contain no label.
    ("Looking at it now with fresh eyes, the answer is yes.", YES_NO, "Yes"),
]


@pytest.mark.parametrize(("reply", "labels", "expected"), OK_CASES)
def test_label_ok(reply: str, labels: list[str], expected: str) -> None:
    result = extract_label(reply, labels)
    assert result.status == "ok", result
    assert result.value == expected


# (reply, labels)
AMBIGUOUS_CASES = [
    ("Answer: generic or descriptive", TRADEMARK),
    ("Answer: Yes and no.", YES_NO),
    ("The answer is: arbitrary, fanciful.", TRADEMARK),
    ("Yes and no.", YES_NO),
    ("Yes/No", YES_NO),
    ("The mark could be arbitrary or fanciful.", TRADEMARK),
    ("No evidence of harm was found, so yes.", YES_NO_MAYBE),
]


@pytest.mark.parametrize(("reply", "labels"), AMBIGUOUS_CASES)
def test_label_ambiguous(reply: str, labels: list[str]) -> None:
    result = extract_label(reply, labels)
    assert result.status == "ambiguous", result
    assert result.value is None
    assert result.note


# (reply, labels)
MISSING_CASES = [
    ("", YES_NO),
    ("   ", YES_NO),
    (None, TRADEMARK),
    ("I cannot tell from the facts given.", YES_NO),
    ("The mark is distinctive.", TRADEMARK),
    ("Nobody knows.", YES_NO),
    ("**", YES_NO),
]


@pytest.mark.parametrize(("reply", "labels"), MISSING_CASES)
def test_label_missing(reply: str | None, labels: list[str]) -> None:
    result = extract_label(reply, labels)
    assert result.status == "missing", result
    assert result.value is None
    assert result.note


def test_label_multiword_label() -> None:
    labels = ["guilty", "not guilty"]
    result = extract_label("Verdict reached.\nAnswer: Not Guilty", labels)
    assert result.value == "not guilty"


def test_label_equal_to_filler_word() -> None:
    labels = ["first", "second", "both", "neither"]
    result = extract_label("Answer: both", labels)
    assert result.value == "both"


def test_label_raw_names_statement() -> None:
    result = extract_label("Analysis.\nAnswer: Yes", YES_NO)
    assert result.raw == "Answer: Yes"


@pytest.mark.parametrize("labels", [[], ["", "  "]])
def test_label_invalid_labels_raise(labels: list[str]) -> None:
    with pytest.raises(ValueError, match="invalid labels"):
        extract_label("Yes", labels)
