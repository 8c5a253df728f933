"""Numeric extraction: the number a reply gives as its answer, and numeric comparison."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.scoring.extract.core import Extraction, ambiguous, is_blank, missing
from harness.scoring.extract.markup import LATEX_FRACTION, unwrap_latex_text
from harness.scoring.extract.statements import NUMBER_MARKER, answer_statements, from_last_statement

# NOTE: a comma is always a thousands separator or a list separator. European decimal
# commas ("3,5") are out of scope: "3,5" reads as the numbers 3 and 5, and "1,234"
# always reads as 1234.
_NUMBER_TOKEN = re.compile(
    r"""
    (?<![\w.])                                    # not inside a word or after a decimal point
    (?P<open>\([^\S\n]*)?
    (?P<sign>[-−+][^\S\n]*)?
    (?P<currency>(?:US)?\$[^\S\n]*|[€£¥][^\S\n]*|(?:USD|EUR|GBP)[^\S\n]*)?
    (?P<inner_sign>[-−][^\S\n]*)?                 # "$-5"
    (?P<digits>\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?:/(?P<denominator>\d+(?:\.\d+)?)(?![\d/]))?  # "3/4"; "3/4/2024" is not a fraction
    (?:[eE](?P<exponent>[-+−]?\d+))?
    (?:[^\S\n]*(?:×|x|\*|\\times|\\cdot)[^\S\n]*10[^\S\n]*\^[^\S\n]*\{?(?P<power>[-−]?\d+)\}?)?
    (?P<percent>[^\S\n]*%)?
    (?(open)[^\S\n]*(?P<close>\)))                # a "(" counts only with its ")"
    """,
    re.VERBOSE,
)
_LATEX_NUMBER_MARKUP = (
    (re.compile(r"\{,\}"), ","),  # "1{,}234" is LaTeX for a thousands comma
    (re.compile(r"\\[,;:! ]"), ""),  # thin and other explicit spaces, as in "1\,234"
    (re.compile(r"\\([%$])"), r"\1"),
    (re.compile(r"\\(?:left|right)\b"), ""),
    (re.compile(r"\*\*|__|`"), ""),
)
_RELATION = re.compile(r"=|≈")
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)")


@dataclass(frozen=True)
class _NumberToken:
    value: float
    raw: str
    end: int


def _clean_number_text(text: str) -> str:
    """Rewrite LaTeX number markup as plain text, keeping ``$`` because it may be currency."""
    text = LATEX_FRACTION.sub(r"\1/\2", text.replace("\r\n", "\n"))
    text = unwrap_latex_text(text)
    for pattern, replacement in _LATEX_NUMBER_MARKUP:
        text = pattern.sub(replacement, text)
    return text


def _token_value(match: re.Match[str], parentheses_negative: bool) -> float | None:
    """Return the value of a number token, or None for a zero denominator."""
    exponent = (match.group("exponent") or "0").replace("−", "-")
    value = float(f"{match.group('digits').replace(',', '')}e{exponent}")
    if match.group("power"):
        value *= 10.0 ** int(match.group("power").replace("−", "-"))
    if match.group("denominator"):
        denominator = float(match.group("denominator"))
        if denominator == 0:
            return None
        value /= denominator
    signs = (match.group("sign") or "") + (match.group("inner_sign") or "")
    negative = "-" in signs or "−" in signs
    if parentheses_negative and match.group("close"):
        negative = True
    return -value if negative else value


def _number_tokens(text: str, parentheses_negative: bool, start: int = 0) -> Iterator[_NumberToken]:
    for match in _NUMBER_TOKEN.finditer(text, start):
        value = _token_value(match, parentheses_negative)
        if value is not None:
            yield _NumberToken(value, match.group(0).strip(), match.end())


def _number_from_body(body: str, parentheses_negative: bool) -> Extraction | None:
    """Read the number after an answer marker.

    Only the first sentence counts. Within it, a result after "=" wins ("6 × 7 = 42"),
    otherwise the first number does. "3 or 4" is ambiguous.
    """
    sentence_end = _SENTENCE_END.search(body)
    sentence = body[: sentence_end.start()] if sentence_end else body
    relations = list(_RELATION.finditer(sentence))
    start = relations[-1].end() if relations else 0
    first = next(_number_tokens(sentence, parentheses_negative, start), None)
    if first is None:
        return None
    alternative = re.match(r"\s*\bor\b", sentence[first.end :])
    if alternative is not None:
        second = next(_number_tokens(sentence, parentheses_negative, first.end + alternative.end()), None)
        if second is not None and second.value != first.value:
            return ambiguous(sentence.strip(), [first.raw, second.raw])
    return Extraction(first.value, "ok", first.raw)


def parse_number(text: str, *, parentheses_negative: bool = False) -> float | None:
    """Parse text that contains exactly one number, such as "$1,234.00" or "12.5%".

    Accepts thousands separators, currency symbols and codes, a percent sign (kept as
    12.5, not 0.125), units after the number, scientific notation ("1.2e3",
    "1.2 × 10^3"), fractions ("3/4") and an ASCII or Unicode minus.

    Args:
        text: text with one number token.
        parentheses_negative: read an accounting negative "(1,234)" as -1234.

    Returns:
        The value, or None when ``text`` contains no number or more than one.
    """
    tokens = list(_number_tokens(_clean_number_text(text), parentheses_negative))
    return tokens[0].value if len(tokens) == 1 else None


def extract_number(reply: str | None, *, parentheses_negative: bool = False) -> Extraction:
    """Extract the numeric answer from a reply.

    The last explicit answer ("Answer:", "The final answer is", "####", ``\\boxed{}``)
    wins. Without one, the last number in the reply is the answer. Number formats are
    those of :func:`parse_number`. A percent answer keeps its number (12.5 for "12.5%"),
    so the scorer decides the scale from ``raw``.

    Args:
        reply: model reply. None and blank replies are missing.
        parentheses_negative: read an accounting negative "(1,234)" as -1234.

    Returns:
        The value as a float, ambiguous for "Answer: 3 or 4", or missing.
    """
    if is_blank(reply):
        return missing("empty reply")
    text = _clean_number_text(reply)
    statements = answer_statements(text, NUMBER_MARKER)
    result = from_last_statement(
        statements, lambda body: _number_from_body(body, parentheses_negative), keep_body_raw=True
    )
    if result is not None:
        return result
    last = None
    for last in _number_tokens(text, parentheses_negative):
        pass
    if last is None:
        return missing("no number found")
    return Extraction(last.value, "ok", last.raw)


def numbers_match(predicted: float, reference: float, *, rel_tol: float = 1e-4, abs_tol: float = 1e-6) -> bool:
    """Compare two numbers within a relative or an absolute tolerance.

    The test is ``math.isclose``: it passes when the difference is within ``rel_tol``
    times the larger magnitude, or within ``abs_tol``. NaN never matches.
    """
    return math.isclose(predicted, reference, rel_tol=rel_tol, abs_tol=abs_tol)
