"""Multiple-choice extraction: the option letter a reply chooses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from harness.scoring.extract.core import Extraction, ambiguous, distinct, is_blank, missing
from harness.scoring.extract.markup import clean_prose
from harness.scoring.extract.phrases import FILLER, PhraseSet, from_mentions, normalize_phrase, read_token_list
from harness.scoring.extract.statements import PROSE_MARKER, Statement, answer_statements, from_last_statement

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
    options: PhraseSet
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
        options = PhraseSet(list(zip(choices, valid)))
        option_texts = {letter: normalize_phrase(text) for letter, text in zip(valid, choices)}
        return cls(canonical, token, mention, options, option_texts)

    def letters_of(self, matches: Sequence[re.Match[str]]) -> list[str]:
        return distinct([self.canonical[match.group("letter")] for match in matches])


def _read_letters(text: str, spec: _ChoiceSpec) -> tuple[list[re.Match[str]], int]:
    matches, end = read_token_list(text, 0, spec.token, _accept_letter)
    if not matches:
        matches, end = read_token_list(text, FILLER.match(text).end(), spec.token, _accept_letter)
    return matches, end


def _choice_from_body(body: str, spec: _ChoiceSpec) -> Extraction | None:
    """Read the answer from the text after an answer marker.

    The whole text of one option comes first, because an option may itself name letters
    ("(B) (C) and (D)") or open with one ("A cat"). Then letters, then a single option text
    mentioned in the body. A body that is only a letter ("C", "(C)") is always read as that
    letter, even when some option's text is that letter.
    """
    matches, end = _read_letters(body, spec)
    exact = spec.options.exact(body)
    if exact is not None and not (matches and re.fullmatch(r"[.):!]*", body[end:].strip())):
        return Extraction(exact, "ok", body)
    letters = spec.letters_of(matches)
    if len(letters) > 1:
        return ambiguous(body, letters)
    if letters:
        return Extraction(letters[0], "ok", body)
    return from_mentions(body, spec.options)


def _restates_option(rest: str, letter: str, spec: _ChoiceSpec) -> bool:
    """Tell whether ``rest`` begins with the text of option ``letter`` ("C) Paris, France")."""
    option = spec.option_texts[letter]
    restated = normalize_phrase(rest)
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
        letters = distinct([letter for _, line_letters in group for letter in line_letters])
        if len(letters) == 1:
            return Extraction(letters[0], "ok", group[-1][0])
        if len(letters) > 1 and group is letter_only:
            return ambiguous(group[-1][0], letters)
    return None


def _choice_from_mentions(text: str, spec: _ChoiceSpec) -> Extraction:
    """Return the option mentioned in the reply if there is exactly one, else missing."""
    found: list[tuple[str, str]] = []
    for match in spec.mention.finditer(text):
        letter = match.group("wrapped") or match.group("named")
        found.append((spec.canonical[letter], match.group(0)))
    for match in spec.options.mentions(text):
        found.append((spec.options.value_of(match), match.group(0)))
    letters = distinct([letter for letter, _ in found])
    if len(letters) == 1:
        return Extraction(letters[0], "ok", found[-1][1])
    if letters:
        return missing(f"no answer statement, and the reply mentions several options: {', '.join(letters)}")
    return missing("no answer found")


def _invalid_letter_note(statements: Sequence[Statement], letters: str, count: int) -> str | None:
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
    if is_blank(reply):
        return missing("empty reply")
    text = clean_prose(reply)
    statements = answer_statements(text, PROSE_MARKER)
    result = from_last_statement(statements, lambda body: _choice_from_body(body, spec))
    if result is None:
        result = _choice_from_bare_lines(text, spec)
    if result is None:
        result = _choice_from_mentions(text, spec)
    if result.status == "missing":
        note = _invalid_letter_note(statements, letters, len(choices))
        result = missing(note) if note else result
    return result
