"""Table tests for numeric answer extraction, number parsing and tolerant comparison."""

from __future__ import annotations

import math

import pytest

from harness.scoring.extract import extract_number, numbers_match, parse_number

# (reply, expected value)
OK_CASES = [
    # Explicit answer statements.
    ("Answer: 42", 42.0),
    ("The answer is 42.", 42.0),
    ("Final answer: **17**", 17.0),
    ("#### 1,234,567", 1234567.0),
    ("Janet has 3 ducks.\nShe sells 9 eggs.\n#### 18", 18.0),
    ("$\\boxed{72}$", 72.0),
    ("The final answer is $\\boxed{1{,}000}$.", 1000.0),
    ("\\boxed{\\frac{3}{4}}", 0.75),
    ("\\boxed{\\dfrac{-1}{8}}", -0.125),
    ("## Final Answer\n\n256", 256.0),
    # The last explicit answer wins over a first attempt and over later numbers.
    ("Answer: 40\nWait, I forgot the tax. Final answer: 42", 42.0),
    ("Final answer: 7 apples.\nCheck: 3 + 4 = 7, and 10 - 3 = 7 too.", 7.0),
    ("The answer is 12. We used 3 boxes of 4.", 12.0),
    # A result after "=" wins inside the answer statement.
    ("Answer: 6 × 7 = 42", 42.0),
    ("Answer: x = 5", 5.0),
    # Without a statement the last number counts.
    ("She had 5 apples and ate 2, so 3 remain.", 3.0),
    ("I walked 42 km today", 42.0),
    ("So the total is 3 apples", 3.0),
    ("Revenue grew to 1,234 million", 1234.0),
    # Currency, thousands separators and decimals.
    ("The answer is $1,234.56.", 1234.56),
    ("Answer: €3,000", 3000.0),
    ("Answer: £12.50", 12.5),
    ("Answer: USD 250", 250.0),
    ("Answer: 250 USD", 250.0),
    ("The price is \\$42.", 42.0),
    ("Answer: 42.00", 42.0),
    ("Answer: 42.", 42.0),
    ("Answer: .5", 0.5),
    # Percent keeps its number, because the scorer decides the scale.
    ("Answer: 12.5%", 12.5),
    ("The margin is 12.5\\%.", 12.5),
    # Scientific notation.
    ("Answer: 1.2e3", 1200.0),
    ("Answer: 1.2E-3", 0.0012),
    ("Answer: 1.2 × 10^3 m", 1200.0),
    ("Answer: 3 \\times 10^{-2}", 0.03),
    # Signs.
    ("Answer: -0.5", -0.5),
    ("Answer: −5 degrees", -5.0),
    ("Answer: -$1,200", -1200.0),
    ("Answer: $-1,200", -1200.0),
    # A hyphen after a word or number is not a minus.
    ("The range is 10-20", 20.0),
    ("COVID-19 cases reached 300", 300.0),
    # Fractions.
    ("Answer: 3/4", 0.75),
    ("Answer: -1/2", -0.5),
    # Parentheses are not negative by default.
    ("The loss was (1,234)", 1234.0),
]


@pytest.mark.parametrize(("reply", "expected"), OK_CASES)
def test_number_ok(reply: str, expected: float) -> None:
    result = extract_number(reply)
    assert result.status == "ok", result
    assert isinstance(result.value, float)
    assert math.isclose(result.value, expected, rel_tol=1e-12)


# (reply, expected value) with parentheses_negative=True
ACCOUNTING_CASES = [
    ("The loss was (1,234)", -1234.0),
    ("Net income: ($1,234.50)", -1234.5),
    ("Answer: (500)", -500.0),
    ("Answer: 500", 500.0),
    ("Answer: (-500)", -500.0),
    # A "(" without its ")" is not an accounting negative.
    ("Answer: (500 units in total", 500.0),
]


@pytest.mark.parametrize(("reply", "expected"), ACCOUNTING_CASES)
def test_number_parentheses_negative(reply: str, expected: float) -> None:
    result = extract_number(reply, parentheses_negative=True)
    assert result.status == "ok", result
    assert result.value == expected


MISSING_CASES = ["", "  \n ", None, "I do not know.", "Answer: none of the above", "1/0"]


@pytest.mark.parametrize("reply", MISSING_CASES)
def test_number_missing(reply: str | None) -> None:
    result = extract_number(reply)
    assert result.status == "missing", result
    assert result.value is None
    assert result.note


AMBIGUOUS_CASES = ["Answer: 3 or 4", "The answer is 12 or 13 apples."]


@pytest.mark.parametrize("reply", AMBIGUOUS_CASES)
def test_number_ambiguous(reply: str) -> None:
    result = extract_number(reply)
    assert result.status == "ambiguous", result
    assert result.value is None


def test_number_same_value_twice_not_ambiguous() -> None:
    result = extract_number("Answer: 4 or 4.0")
    assert result.value == 4.0


def test_number_raw_is_token() -> None:
    result = extract_number("The margin is 12.5%.")
    assert result.raw == "12.5%"


def test_number_european_comma_not_decimal() -> None:
    # Documented limit: "3,5" is read as two numbers, not 3.5.
    result = extract_number("Answer: 3,5")
    assert result.value == 3.0


# (text, expected) for parse_number with default options
PARSE_CASES = [
    ("$1,234.00", 1234.0),
    ("1,234,567", 1234567.0),
    ("12.5%", 12.5),
    ("42 km", 42.0),
    ("−3.5e-2", -0.035),
    ("3/4", 0.75),
    ("1.2 × 10^3", 1200.0),
    ("(1,234)", 1234.0),
    ("\\frac{1}{4}", 0.25),
    ("0", 0.0),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_parse_number_value(text: str, expected: float) -> None:
    value = parse_number(text)
    assert value is not None
    assert math.isclose(value, expected, rel_tol=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "1 and 2", "3/4/2024 and 5", "1/0"])
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_parse_number_parentheses_negative() -> None:
    assert parse_number("(1,234)", parentheses_negative=True) == -1234.0


# (predicted, reference, expected)
MATCH_CASES = [
    (42.0, 42.0, True),
    (0.1 + 0.2, 0.3, True),
    (1234.0, 1234.1, True),
    (1234.0, 1240.0, False),
    (0.0, 1e-7, True),
    (0.0, 1e-3, False),
    (12.5, 0.125, False),
    (-5.0, 5.0, False),
    (math.inf, math.inf, True),
    (math.nan, math.nan, False),
]


@pytest.mark.parametrize(("predicted", "reference", "expected"), MATCH_CASES)
def test_numbers_match(predicted: float, reference: float, expected: bool) -> None:
    assert numbers_match(predicted, reference) is expected


def test_numbers_match_custom_tolerance() -> None:
    assert numbers_match(100.0, 101.0, rel_tol=0.02)
    assert not numbers_match(100.0, 101.0, rel_tol=0.001, abs_tol=0.5)
