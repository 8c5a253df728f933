"""Lists of answer tokens ("A or C") and closed sets of phrases (labels, option texts)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from harness.scoring.extract.core import Extraction, ambiguous, distinct

# Words that may precede the answer itself: "the answer is clearly option C".
FILLER = re.compile(
    r"(?:(?:therefore|thus|hence|clearly|probably|likely|definitely|both|either|options?|choices?|letter"
    r"|i\s+(?:think|believe)(?:\s+(?:it\s+is|it['’]s))?)\b[\s:,]*|[\"'“‘(\[]\s*)*",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"\s*(?:,\s*(?:(?:and|or)\b\s*)?|/|&|\b(?:and/or|and|or|vs\.?)\b)\s*", re.IGNORECASE)
# After a comma, a second label must end the list ("generic, descriptive.") so that
# "Yes, no doubt" is not read as two labels.
_LIST_END = re.compile(r"\s*(?:$|[.,;:!?)\]\"'”’]|\b(?:and|or)\b)", re.IGNORECASE)


def read_token_list(
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



# --- Closed-set phrase matching (labels and option texts) ------------------------------


def normalize_phrase(text: str) -> str:
    """Casefold, collapse whitespace and drop trailing punctuation for comparison."""
    collapsed = " ".join(text.split()).casefold()
    return collapsed.rstrip(".,;:!?")


class PhraseSet:
    """Closed set of phrases matched case-insensitively on word boundaries.

    Each phrase maps to a canonical value (a label, or the letter of an option). Where
    phrases start at the same position the longest one wins, so "not guilty" is not also
    read as "guilty".
    """

    def __init__(self, phrases: Sequence[tuple[str, str]]) -> None:
        self.values: dict[str, str] = {}
        for phrase, value in phrases:
            key = normalize_phrase(phrase)
            if key:
                self.values.setdefault(key, value)
        keys = sorted(self.values, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in key.split()) for key in keys)
        # The digit guards keep option "4" from matching inside "4.5" or "1,4".
        self.pattern = re.compile(
            rf"(?<!\w)(?<!\d[.,])(?:{alternatives})(?!\w)(?![.,]\d)" if keys else r"(?!)", re.IGNORECASE
        )

    def value_of(self, match: re.Match[str]) -> str:
        return self.values[normalize_phrase(match.group(0))]

    def exact(self, text: str) -> str | None:
        """Return the value when ``text`` is one whole phrase, else None."""
        return self.values.get(normalize_phrase(text))

    def mentions(self, text: str) -> list[re.Match[str]]:
        """Find phrase mentions, skipping negated ones ("not generic", "isn't generic")."""
        return [
            match
            for match in self.pattern.finditer(text)
            if not _NEGATION_BEFORE.search(text, 0, match.start())
        ]


_NEGATION_BEFORE = re.compile(r"(?:\bnot|\bnever|n['’]t)\s+(?:(?:an?|the)\s+)?$", re.IGNORECASE)


def from_mentions(text: str, phrases: PhraseSet) -> Extraction | None:
    """Return the only value mentioned in ``text``, ambiguous for several, None for none."""
    mentions = phrases.mentions(text)
    values = distinct([phrases.value_of(match) for match in mentions])
    if not values:
        return None
    if len(values) > 1:
        return ambiguous(text.strip(), values)
    return Extraction(values[0], "ok", mentions[-1].group(0))
