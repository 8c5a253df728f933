"""Table tests for multiple-choice answer extraction."""

from __future__ import annotations

import pytest

from harness.scoring.extract import Extraction, extract_choice

CAPITALS = ["London", "Berlin", "Paris", "Madrid"]
TEMPERATURES = ["0 degrees", "21 degrees", "42 degrees", "100 degrees"]

# Each case is (reply, expected letter), read against CAPITALS.
OK_CASES = [
    # Explicit answer statements.
    ("Answer: C", "C"),
    ("ANSWER: c", "C"),
    ("Final answer: **C**", "C"),
    ("The answer is (C)", "C"),
    ("The correct answer is C.", "C"),
    ("The correct option is C.", "C"),
    ("The best choice is (D).", "D"),
    ("**Answer:** C", "C"),
    ("Answer — C", "C"),
    ("The answer is: [C]", "C"),
    ("The answer is clearly option C.", "C"),
    ("Answer: I think C", "C"),
    ("## Final Answer\n\n**C**", "C"),
    ("Answer:\nC", "C"),
    ("The answer is B because A is wrong.", "B"),
    ("Answer: C) Paris", "C"),
    ("Answer: C: Paris", "C"),
    ("Answer: a", "A"),
    ("the answer is a.", "A"),
    # LaTeX wrapping.
    ("$\\boxed{C}$", "C"),
    ("\\boxed{\\text{C}}", "C"),
    ("The final answer is $\\boxed{\\textbf{C}}$.", "C"),
    ("\\(\\boxed{D}\\)", "D"),
    # The last explicit statement wins over a first attempt.
    ("Answer: A\n\nWait, I misread the map. Final answer: C", "C"),
    ("The answer is B.\nOn reflection the answer is (D).", "D"),
    ("Answer: A or B?\nAfter checking, the answer is C.", "C"),
    # A statement that names nothing is skipped in favour of an earlier one.
    ("Answer: C\n\nThe answer is straightforward once you know the map.", "C"),
    # Option text in place of the letter.
    ("Answer: Paris", "C"),
    ("The answer is paris.", "C"),
    ("Final answer:   PARIS!", "C"),
    # The whole reply is the answer.
    ("C", "C"),
    ("c", "C"),
    ("(C)", "C"),
    ("**C**", "C"),
    ("*C*", "C"),
    ("[C]", "C"),
    ("C.", "C"),
    ("C) Paris", "C"),
    ("C. Paris", "C"),
    ("C - Paris", "C"),
    ("Option C", "C"),
    ("C) Paris\n\nParis has been the capital of France since the 10th century.", "C"),
    ("Paris is the capital of France.\n\n**C**", "C"),
    # An enumeration of the options followed by a bare letter.
    ("A) London\nB) Berlin\nC) Paris\nD) Madrid\n\nC", "C"),
    # A single option mentioned without an answer statement.
    ("I am fairly sure it is Paris.", "C"),
    ("Looking at the options, (C) fits best.", "C"),
    ("I would go with option D here.", "D"),
    ("A good answer is Paris.", "C"),
]


@pytest.mark.parametrize(("reply", "expected"), OK_CASES)
def test_choice_ok(reply: str, expected: str) -> None:
    result = extract_choice(reply, CAPITALS)
    assert result.status == "ok", result
    assert result.value == expected


# Each case is (reply, expected letter), read against TEMPERATURES, whose texts contain numbers.
RESTATED_CASES = [
    ("C) 42 degrees", "C"),
    ("Answer: 42 degrees", "C"),
    ("The answer is 42 Degrees.", "C"),
    ("Answer: 42  degrees", "C"),
    ("B: 21 degrees", "B"),
]


@pytest.mark.parametrize(("reply", "expected"), RESTATED_CASES)
def test_choice_restated_option_text(reply: str, expected: str) -> None:
    result = extract_choice(reply, TEMPERATURES)
    assert result.status == "ok", result
    assert result.value == expected


AMBIGUOUS_CASES = [
    "Answer: A or C",
    "Answer: A, C",
    "Answer: A and C",
    "Answer: A/C",
    "The answer is either B or D.",
    "The answer is: both A and C.",
    "Let me think about it.\n\nA and B",
    "**A**\n\nHmm, or maybe:\n\n**C**",
    "Answer: Paris or Berlin",
]


@pytest.mark.parametrize("reply", AMBIGUOUS_CASES)
def test_choice_ambiguous(reply: str) -> None:
    result = extract_choice(reply, CAPITALS)
    assert result.status == "ambiguous", result
    assert result.value is None
    assert result.note


MISSING_CASES = [
    "",
    "   \n\t ",
    None,
    "A good answer requires more context.",
    "The answer is a bit unclear to me.",
    "I cannot determine this from the information given.",
    "A. Lincoln was the president.",
    "I think the question is flawed.",
    # A letter beyond the last choice is not valid.
    "Answer: E",
    "F",
    # Options listed one by one are not an answer.
    "A) London\nB) Berlin\nC) Paris\nD) Madrid",
    # Options discussed without a commitment.
    "Paris is larger than Berlin.",
]


@pytest.mark.parametrize("reply", MISSING_CASES)
def test_choice_missing(reply: str | None) -> None:
    result = extract_choice(reply, CAPITALS)
    assert result.status == "missing", result
    assert result.value is None
    assert result.note


def test_choice_letter_beyond_choices_note() -> None:
    result = extract_choice("Answer: E", CAPITALS)
    assert result.status == "missing"
    assert result.note == "the answer names E, but only 4 choices exist"


def test_choice_letters_limited_by_choice_count() -> None:
    result = extract_choice("Answer: C", ["yes", "no"])
    assert result.status == "missing"


def test_choice_ten_options_accept_j() -> None:
    options = [f"option text {index}" for index in range(10)]
    result = extract_choice("Answer: J", options)
    assert result == Extraction(value="J", status="ok", raw="Answer: J")


def test_choice_pronoun_i_not_letter() -> None:
    options = [f"option text {index}" for index in range(10)]
    result = extract_choice("Answer: I would pick (B).", options)
    assert result.value == "B"


def test_choice_custom_letters_returned_as_given() -> None:
    result = extract_choice("answer: b", ["x", "y"], letters="ab")
    assert result.status == "ok"
    assert result.value == "b"


def test_choice_custom_letters_any_case() -> None:
    result = extract_choice("Answer: B", ["x", "y"], letters="ab")
    assert result.value == "b"


def test_choice_raw_names_statement() -> None:
    result = extract_choice("Reasoning first.\nAnswer: C", CAPITALS)
    assert result.raw == "Answer: C"


def test_choice_longest_option_text_wins() -> None:
    options = ["Paris", "Paris, Texas", "Berlin"]
    result = extract_choice("Answer: Paris, Texas", options)
    assert result.value == "B"


def test_choice_numeric_option_not_inside_decimal() -> None:
    options = ["4", "4.5", "5"]
    result = extract_choice("The answer is 4.5", options)
    assert result.value == "B"


# Options whose own text names letters or opens with one, as MMLU has ("(B) (C) and (D).").
LETTERED_OPTIONS = ["household income", "a cat", "A and B only", "(B) (C) and (D)."]
# Each case is (reply, expected letter), read against LETTERED_OPTIONS.
LETTERED_OPTION_CASES = [
    # The whole text of an option is that option, whatever letters it names.
    ("The answer is (B) (C) and (D).", "D"),
    ("Answer: (B) (C) and (D)", "D"),
    ("Answer: A and B only", "C"),
    ("The answer is a cat.", "B"),
    # A bare letter is the letter, even where the text could be read as letters.
    ("Answer: D", "D"),
    ("Answer: (B)", "B"),
    ("Answer: C) A and B only", "C"),
]


@pytest.mark.parametrize(("reply", "expected"), LETTERED_OPTION_CASES)
def test_choice_option_text_that_names_letters(reply: str, expected: str) -> None:
    result = extract_choice(reply, LETTERED_OPTIONS)
    assert result.status == "ok", result
    assert result.value == expected


# Options with markup that the reply's clean-up removes: currency signs and inline LaTeX.
MONEY_OPTIONS = ["$50", "$100", "$1,200", "The regression $R^2$ may be spuriously high"]
MONEY_CASES = [
    ("The answer is $100", "B"),
    ("Answer: $1,200.", "C"),
    ("Answer: **$50**", "A"),
    ("The answer is The regression $R^2$ may be spuriously high", "D"),
    ("The answer is the regression R^2 may be spuriously high.", "D"),
]


@pytest.mark.parametrize(("reply", "expected"), MONEY_CASES)
def test_choice_option_text_with_markup(reply: str, expected: str) -> None:
    result = extract_choice(reply, MONEY_OPTIONS)
    assert result.status == "ok", result
    assert result.value == expected


def test_choice_bare_letter_beats_an_option_spelled_as_a_letter() -> None:
    result = extract_choice("Answer: C", ["C", "B", "A", "D"])
    assert result.value == "C"


@pytest.mark.parametrize("choices", [[], ["x"] * 11])
def test_choice_invalid_choice_count_raises(choices: list[str]) -> None:
    with pytest.raises(ValueError, match="invalid number of choices"):
        extract_choice("Answer: A", choices)
