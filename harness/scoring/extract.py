"""Answer extraction from free-text model replies.

Turns a reply into a canonical answer for three task shapes: multiple choice (a letter),
numeric (a float) and closed-set classification (one label from a fixed list).

All extractors follow the same precedence. The last explicit answer statement
("Answer: ...", "The answer is ...", ``\\boxed{...}``) wins, because models often give a
first attempt and then a corrected final answer. Without one, each extractor falls back
to weaker evidence in a fixed order and returns ``missing`` rather than guessing. A reply
that commits to two different answers is ``ambiguous``, so a scorer never credits it.
No extractor raises on reply content, and ``None`` and blank replies are ``missing``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Extraction",
    "ExtractionStatus",
    "extract_choice",
    "extract_label",
    "extract_number",
    "numbers_match",
    "parse_number",
]

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


def _missing(note: str) -> Extraction:
    return Extraction(value=None, status="missing", note=note)


def _ambiguous(raw: str, found: Sequence[object]) -> Extraction:
    listed = ", ".join(str(item) for item in found)
    return Extraction(value=None, status="ambiguous", raw=raw, note=f"conflicting answers: {listed}")


def _is_blank(reply: str | None) -> bool:
    return reply is None or not reply.strip()


# --- Markup clean-up -------------------------------------------------------------------

_LATEX_TEXT_WRAPPER = re.compile(
    r"\\(?:text|textbf|textit|textrm|texttt|mathrm|mathbf|mathit|mathtt|emph|operatorname)\s*\{([^{}]*)\}"
)
_LATEX_FRACTION = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
# Markdown requires emphasis delimiters to touch their content, so "**C**" is emphasis
# but "* C\n* D" (a bullet list) is not.
_EMPHASIZED_LETTER = re.compile(r"(\*\*|__|\*)([A-Za-z0-9])[.):]?\1")
_INLINE_MARKUP = re.compile(r"\*\*|__|[*`$]|\\[()\[\]]")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|>[ \t]?|[-•+][ \t]+)", re.MULTILINE)


def _unwrap_latex_text(text: str) -> str:
    """Replace ``\\text{X}`` and similar wrappers by X, innermost first."""
    previous = None
    while previous != text:
        previous = text
        text = _LATEX_TEXT_WRAPPER.sub(r"\1", text)
    return text


def _clean_prose(reply: str) -> str:
    """Strip markdown and LaTeX markup for letter and label matching.

    An emphasized single letter becomes "(C)" because "**C**" names an option as clearly
    as "(C)" does, while a bare "A" may be the article.
    """
    text = _unwrap_latex_text(reply.replace("\r\n", "\n"))
    text = _EMPHASIZED_LETTER.sub(r"(\2)", text)
    text = _INLINE_MARKUP.sub("", text)
    return _LINE_PREFIX.sub("", text)


# --- Explicit answer statements --------------------------------------------------------

# "Answer: C", "The final answer is C", "The correct option is C", "Answer — C", and a
# heading "Final Answer" with the answer on a following line. "final answer" and "correct
# answer" end in "answer", so they need no pattern of their own.
_ANSWER_MARKER = (
    r"\b(?:answers?|(?:correct|right|best|final)\s+(?:option|choice|letter)s?)\b(?:[^\S\n]*[:=]"
    r"|[^\S\n]+(?:is|are|was|would\s+be|will\s+be|should\s+be|must\s+be)\b[^\S\n]*:?"
    r"|[^\S\n]*[-–—][^\S\n]"
    r"|[^\S\n]*(?=\n))"
)
_PROSE_MARKER = re.compile(_ANSWER_MARKER, re.IGNORECASE)
# GSM8K-style replies end with "#### 42".
_NUMBER_MARKER = re.compile(_ANSWER_MARKER + r"|####", re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")


@dataclass(frozen=True)
class _Statement:
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


def _answer_statements(text: str, marker: re.Pattern[str]) -> list[_Statement]:
    """Find all explicit answer statements in ``text``, ordered by position."""
    statements = []
    for match in marker.finditer(text):
        body, end = _body_after(text, match.end())
        statements.append(_Statement(match.start(), body, text[match.start() : end].strip()))
    for match in _BOXED.finditer(text):
        statements.append(_Statement(match.start(), match.group(1).strip(), match.group(0)))
    return sorted(statements, key=lambda statement: statement.start)


def _from_last_statement(
    statements: Sequence[_Statement],
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


# --- Lists of answer tokens ("A or C", "generic, descriptive") -------------------------

# Words that may precede the answer itself: "the answer is clearly option C".
_FILLER = re.compile(
    r"(?:(?:therefore|thus|hence|clearly|probably|likely|definitely|both|either|options?|choices?|letter"
    r"|i\s+(?:think|believe)(?:\s+(?:it\s+is|it['’]s))?)\b[\s:,]*|[\"'“‘(\[]\s*)*",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"\s*(?:,\s*(?:(?:and|or)\b\s*)?|/|&|\b(?:and/or|and|or|vs\.?)\b)\s*", re.IGNORECASE)
# After a comma, a second label must end the list ("generic, descriptive.") so that
# "Yes, no doubt" is not read as two labels.
_LIST_END = re.compile(r"\s*(?:$|[.,;:!?)\]\"'”’]|\b(?:and|or)\b)", re.IGNORECASE)


def _read_token_list(
    text: str,
    position: int,
    token: re.Pattern[str],
    accept: Callable[[str, re.Match[str]], bool],
    strict_comma: bool = False,
) -> tuple[list[re.Match[str]], int]:
    """Read tokens joined by connectors ("A or C", "A, C") starting at ``position``.

    Returns the token matches and the position after the last one, or ([], position)
    when no accepted token starts there.
    """
    first = token.match(text, position)
    if first is None or not accept(text, first):
        return [], position
    found = [first]
    end = first.end()
    while (connector := _CONNECTOR.match(text, end)) is not None:
        following = token.match(text, connector.end())
        if following is None or not accept(text, following):
            break
        bare_comma = connector.group(0).strip() == ","
        if strict_comma and bare_comma and not _LIST_END.match(text, following.end()):
            break
        found.append(following)
        end = following.end()
    return found, end


def _distinct(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- Closed-set phrase matching (labels and option texts) ------------------------------


def _normalize_phrase(text: str) -> str:
    """Casefold, collapse whitespace and drop trailing punctuation for comparison."""
    collapsed = " ".join(text.split()).casefold()
    return collapsed.rstrip(".,;:!?")


class _PhraseSet:
    """Closed set of phrases matched case-insensitively on word boundaries.

    Each phrase maps to a canonical value (a label, or the letter of an option). Where
    phrases start at the same position the longest one wins, so "not guilty" is not also
    read as "guilty".
    """

    def __init__(self, phrases: Sequence[tuple[str, str]]) -> None:
        self.values: dict[str, str] = {}
        for phrase, value in phrases:
            key = _normalize_phrase(phrase)
            if key:
                self.values.setdefault(key, value)
        keys = sorted(self.values, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in key.split()) for key in keys)
        # The digit guards keep option "4" from matching inside "4.5" or "1,4".
        self.pattern = re.compile(
            rf"(?<!\w)(?<!\d[.,])(?:{alternatives})(?!\w)(?![.,]\d)" if keys else r"(?!)", re.IGNORECASE
        )

    def value_of(self, match: re.Match[str]) -> str:
        return self.values[_normalize_phrase(match.group(0))]

    def exact(self, text: str) -> str | None:
        """Return the value when ``text`` is one whole phrase, else None."""
        return self.values.get(_normalize_phrase(text))

    def mentions(self, text: str) -> list[re.Match[str]]:
        """Find phrase mentions, skipping negated ones ("not generic", "isn't generic")."""
        return [
            match
            for match in self.pattern.finditer(text)
            if not _NEGATION_BEFORE.search(text, 0, match.start())
        ]


_NEGATION_BEFORE = re.compile(r"(?:\bnot|\bnever|n['’]t)\s+(?:(?:an?|the)\s+)?$", re.IGNORECASE)


def _from_mentions(text: str, phrases: _PhraseSet) -> Extraction | None:
    """Return the only value mentioned in ``text``, ambiguous for several, None for none."""
    mentions = phrases.mentions(text)
    values = _distinct([phrases.value_of(match) for match in mentions])
    if not values:
        return None
    if len(values) > 1:
        return _ambiguous(text.strip(), values)
    return Extraction(values[0], "ok", mentions[-1].group(0))


# --- Multiple choice -------------------------------------------------------------------

# Verbs after "I" that show it is the pronoun, as in "Answer: I think C".
_PRONOUN_VERBS = frozenset(
    {"think", "believe", "guess", "would", "will", "am", "choose", "chose", "pick", "select", "feel", "need"}
)
_NEXT_WORD = re.compile(r"[^\S\n]+([A-Za-z]+)")


def _accept_letter(text: str, match: re.Match[str]) -> bool:
    """Reject a bare "a", "i" or "I" that is an English word rather than an option letter."""
    if match.group("open") or match.group("close"):
        return True
    next_word = _NEXT_WORD.match(text, match.end())
    if next_word is None:
        return True
    word = next_word.group(1).lower()
    if word in {"or", "and"}:
        return True
    letter = match.group("letter")
    if letter in {"a", "i"}:
        return False
    return not (letter == "I" and word in _PRONOUN_VERBS)


@dataclass(frozen=True)
class _ChoiceSpec:
    """Patterns for one question: its valid letters, their tokens and the option texts."""

    canonical: dict[str, str]
    token: re.Pattern[str]
    mention: re.Pattern[str]
    options: _PhraseSet
    option_texts: dict[str, str]

    @classmethod
    def build(cls, choices: Sequence[str], letters: str) -> _ChoiceSpec:
        if not choices or len(choices) > len(letters):
            raise ValueError(
                f"invalid number of choices: {len(choices)}; pass between 1 and {len(letters)} "
                f"choices or a longer letters string"
            )
        valid = letters[: len(choices)]
        canonical = {variant: letter for letter in valid for variant in (letter.upper(), letter.lower())}
        letter_class = "[" + "".join(re.escape(letter) for letter in canonical) + "]"
        token = re.compile(
            rf"(?P<open>[(\[][^\S\n]*)?(?P<letter>{letter_class})(?![\w'’])(?:[^\S\n]*(?P<close>[)\]]))?"
        )
        # Outside an answer statement only a letter that is wrapped or named as an
        # option counts, so the article "A" is never read as option A.
        mention = re.compile(
            rf"[(\[]\s*(?P<wrapped>{letter_class})\s*[)\]]"
            rf"|\b(?i:option|choice|letter|answer)\s+(?P<named>{letter_class})(?![\w'’])"
        )
        options = _PhraseSet(list(zip(choices, valid)))
        option_texts = {letter: _normalize_phrase(text) for letter, text in zip(valid, choices)}
        return cls(canonical, token, mention, options, option_texts)

    def letters_of(self, matches: Sequence[re.Match[str]]) -> list[str]:
        return _distinct([self.canonical[match.group("letter")] for match in matches])


def _read_letters(text: str, spec: _ChoiceSpec) -> tuple[list[re.Match[str]], int]:
    matches, end = _read_token_list(text, 0, spec.token, _accept_letter)
    if not matches:
        matches, end = _read_token_list(text, _FILLER.match(text).end(), spec.token, _accept_letter)
    return matches, end


def _choice_from_body(body: str, spec: _ChoiceSpec) -> Extraction | None:
    """Read the answer from the text after an answer marker: letters first, then option text."""
    matches, _ = _read_letters(body, spec)
    letters = spec.letters_of(matches)
    if len(letters) > 1:
        return _ambiguous(body, letters)
    if letters:
        return Extraction(letters[0], "ok", body)
    exact = spec.options.exact(body)
    if exact is not None:
        return Extraction(exact, "ok", body)
    return _from_mentions(body, spec.options)


def _restates_option(rest: str, letter: str, spec: _ChoiceSpec) -> bool:
    """Tell whether ``rest`` begins with the text of option ``letter`` ("C) Paris, France")."""
    option = spec.option_texts[letter]
    restated = _normalize_phrase(rest)
    if not option or not restated.startswith(option):
        return False
    return len(restated) == len(option) or not restated[len(option)].isalnum()


def _bare_line_letters(line: str, spec: _ChoiceSpec) -> tuple[list[str], bool] | None:
    """Read a line that is only an answer: "C", "(C)", "A and B", "C) Paris", "C. Paris".

    Returns the letters and whether the line restated an option's text, or None when the
    line is anything else. Restated text must match the option, so "A. Lincoln was ..."
    is not read as option A.
    """
    matches, end = _read_letters(line, spec)
    if not matches:
        return None
    letters = spec.letters_of(matches)
    rest = line[end:].strip()
    if re.fullmatch(r"[.):!]*", rest):
        return letters, False
    delimiter = re.match(r"[.):\-–—]\s*", rest)
    if matches[-1].group("close"):
        text_start = 0
    elif delimiter is not None:
        text_start = delimiter.end()
    else:
        return None
    if len(letters) == 1 and _restates_option(rest[text_start:], letters[0], spec):
        return letters, True
    return None


def _choice_from_bare_lines(text: str, spec: _ChoiceSpec) -> Extraction | None:
    """Use lines that consist of an answer only, when no explicit statement exists.

    Letter-only lines ("**C**", "A and B") take precedence. If they disagree, the reply is
    ambiguous. Several lines that restate different options ("A) London", "B) Paris") are an
    enumeration, not an answer, so they yield nothing.
    """
    letter_only: list[tuple[str, list[str]]] = []
    restated: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        found = _bare_line_letters(line.strip(), spec)
        if found is not None:
            (restated if found[1] else letter_only).append((line.strip(), found[0]))
    for group in (letter_only, restated):
        letters = _distinct([letter for _, line_letters in group for letter in line_letters])
        if len(letters) == 1:
            return Extraction(letters[0], "ok", group[-1][0])
        if len(letters) > 1 and group is letter_only:
            return _ambiguous(group[-1][0], letters)
    return None


def _choice_from_mentions(text: str, spec: _ChoiceSpec) -> Extraction:
    """Return the option mentioned in the reply if there is exactly one, else missing."""
    found: list[tuple[str, str]] = []
    for match in spec.mention.finditer(text):
        letter = match.group("wrapped") or match.group("named")
        found.append((spec.canonical[letter], match.group(0)))
    for match in spec.options.mentions(text):
        found.append((spec.options.value_of(match), match.group(0)))
    letters = _distinct([letter for letter, _ in found])
    if len(letters) == 1:
        return Extraction(letters[0], "ok", found[-1][1])
    if letters:
        return _missing(f"no answer statement, and the reply mentions several options: {', '.join(letters)}")
    return _missing("no answer found")


def _invalid_letter_note(statements: Sequence[_Statement], letters: str, count: int) -> str | None:
    """Describe a final answer that names a letter beyond the last choice ("Answer: E" of 4)."""
    if not statements:
        return None
    named = re.match(r"[(\[]?([A-Za-z])[)\]]?(?:$|[\s.:)])", statements[-1].body)
    if named is None or named.group(1).upper() not in letters.upper()[count:]:
        return None
    return f"the answer names {named.group(1).upper()}, but only {count} choices exist"


def extract_choice(reply: str | None, choices: Sequence[str], letters: str = "ABCDEFGHIJ") -> Extraction:
    """Extract the chosen option letter from a multiple-choice reply.

    The strongest evidence is the last explicit answer statement, which may give a letter
    or the full text of an option. Next come lines that consist of an answer only ("C",
    "(C)", "C) Paris"). Last comes a single option mentioned in the reply as "(C)",
    "option C" or its full text. Only the first ``len(choices)`` letters are valid, in
    either case.

    Args:
        reply: model reply. None and blank replies are missing.
        choices: option texts in letter order.
        letters: option letters, of which the first ``len(choices)`` are used.

    Returns:
        The letter as spelled in ``letters``, ambiguous when the answer names two
        different letters ("Answer: A or C"), or missing.

    Raises:
        ValueError: ``choices`` is empty or longer than ``letters``.
    """
    spec = _ChoiceSpec.build(choices, letters)
    if _is_blank(reply):
        return _missing("empty reply")
    text = _clean_prose(reply)
    statements = _answer_statements(text, _PROSE_MARKER)
    result = _from_last_statement(statements, lambda body: _choice_from_body(body, spec))
    if result is None:
        result = _choice_from_bare_lines(text, spec)
    if result is None:
        result = _choice_from_mentions(text, spec)
    if result.status == "missing":
        note = _invalid_letter_note(statements, letters, len(choices))
        result = _missing(note) if note else result
    return result


# --- Numbers ---------------------------------------------------------------------------

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
    text = _LATEX_FRACTION.sub(r"\1/\2", text.replace("\r\n", "\n"))
    text = _unwrap_latex_text(text)
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
            return _ambiguous(sentence.strip(), [first.raw, second.raw])
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
    if _is_blank(reply):
        return _missing("empty reply")
    text = _clean_number_text(reply)
    statements = _answer_statements(text, _NUMBER_MARKER)
    result = _from_last_statement(
        statements, lambda body: _number_from_body(body, parentheses_negative), keep_body_raw=True
    )
    if result is not None:
        return result
    last = None
    for last in _number_tokens(text, parentheses_negative):
        pass
    if last is None:
        return _missing("no number found")
    return Extraction(last.value, "ok", last.raw)


def numbers_match(predicted: float, reference: float, *, rel_tol: float = 1e-4, abs_tol: float = 1e-6) -> bool:
    """Compare two numbers within a relative or an absolute tolerance.

    The test is ``math.isclose``: it passes when the difference is within ``rel_tol``
    times the larger magnitude, or within ``abs_tol``. NaN never matches.
    """
    return math.isclose(predicted, reference, rel_tol=rel_tol, abs_tol=abs_tol)


# --- Labels ----------------------------------------------------------------------------

# A label at the start of the reply counts only when punctuation or the line end follows,
# as in "Yes." or "No, because ...", so "No evidence suggests ..." is not read as "No".
_AFTER_LEADING_LABEL = re.compile(r"\s*(?:$|[.,;:!?)\-–—])")


@dataclass(frozen=True)
class _LabelSpec:
    """Matcher for one closed label set."""

    phrases: _PhraseSet

    @classmethod
    def build(cls, labels: Sequence[str]) -> _LabelSpec:
        phrases = _PhraseSet([(label, label) for label in labels])
        if not phrases.values:
            raise ValueError(f"invalid labels: {list(labels)!r}; pass at least one non-blank label")
        return cls(phrases)

    def read_list(self, text: str) -> tuple[list[str], int]:
        """Read labels joined by connectors at the start of ``text``, or after filler words.

        The start is tried first because a label may itself be a filler word ("both").
        """
        matches: list[re.Match[str]] = []
        end = 0
        for start in (0, _FILLER.match(text).end()):
            matches, end = _read_token_list(text, start, self.phrases.pattern, lambda _, __: True, strict_comma=True)
            if matches:
                break
        return _distinct([self.phrases.value_of(match) for match in matches]), end


def _label_result(labels: Sequence[str], raw: str) -> Extraction:
    if len(labels) > 1:
        return _ambiguous(raw, labels)
    return Extraction(labels[0], "ok", raw)


def _label_from_body(body: str, spec: _LabelSpec) -> Extraction | None:
    """Read the label after an answer marker: a leading label first, then a single mention."""
    labels, _ = spec.read_list(body)
    if labels:
        return _label_result(labels, body)
    return _from_mentions(body, spec.phrases)


def _label_from_edges(text: str, spec: _LabelSpec) -> Extraction | None:
    """Use a label that opens the reply ("Yes.", "No, because ...") or forms its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    labels, end = spec.read_list(lines[0])
    if labels and _AFTER_LEADING_LABEL.match(lines[0], end):
        return _label_result(labels, lines[0])
    labels, end = spec.read_list(lines[-1])
    if labels and re.fullmatch(r"[\s.!)\]\"'”’]*", lines[-1][end:]):
        return _label_result(labels, lines[-1])
    return None


def extract_label(reply: str | None, labels: Sequence[str]) -> Extraction:
    """Extract one label of a closed set from a classification reply.

    Labels match case-insensitively on word boundaries after markdown is stripped. The
    strongest evidence is the last explicit answer statement. Next comes a label that opens
    the reply ("Yes." or "No, because ...") or forms its last line. Last come the labels
    mentioned anywhere, where a negated mention ("not generic") does not count.

    Args:
        reply: model reply. None and blank replies are missing.
        labels: the closed set of labels.

    Returns:
        The label as spelled in ``labels``, ambiguous when the answer names two different
        labels, or missing.

    Raises:
        ValueError: ``labels`` contains no non-blank label.
    """
    spec = _LabelSpec.build(labels)
    if _is_blank(reply):
        return _missing("empty reply")
    text = _clean_prose(reply)
    statements = _answer_statements(text, _PROSE_MARKER)
    result = _from_last_statement(statements, lambda body: _label_from_body(body, spec))
    if result is None:
        result = _label_from_edges(text, spec)
    if result is None:
        result = _from_mentions(text, spec.phrases)
    return result or _missing("no label found")
