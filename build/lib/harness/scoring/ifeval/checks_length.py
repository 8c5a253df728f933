"""IFEval length instructions ``length_constraints:*``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "Answer with at least / around / at most {N} words", "Your response
should contain {N} sentences", "There should be {N} paragraphs. Paragraphs are separated with
the markdown divider: ***" and "There should be {N} paragraphs. Paragraphs and only paragraphs
are separated with each other by two line breaks. The {i}-th paragraph must start with word
{first_word}."
"""

from __future__ import annotations

import re

from harness.scoring.ifeval.checks_params import Check, Params
from harness.scoring.ifeval.checks_sentences import count_sentences

# The reference implementation counts NLTK's RegexpTokenizer(r"\w+") tokens, which are
# exactly the matches of this pattern.
_WORD = re.compile(r"\w+")
_DIVIDER = re.compile(r"\s?\*\*\*\s?")
_BLANK_LINE_SEPARATOR = "\n\n"
# Characters that end the first word of a paragraph, taken from the reference
# implementation: "Weekend," compares as "weekend", but "Summary:" keeps its colon and so
# does not match "summary".
_WORD_STOPS = frozenset(".,?!'\"")


def count_words(text: str) -> int:
    """Return the number of runs of word characters in ``text``."""
    return len(_WORD.findall(text))


def build_number_words(params: Params) -> Check:
    """Build the check that the word count satisfies ``relation`` to ``num_words``."""
    limit = params.get_int("num_words")
    relation = params.get_relation("relation")
    return lambda response: relation.compare(count_words(response), limit)


def build_number_sentences(params: Params) -> Check:
    """Build the check that the sentence count satisfies ``relation`` to ``num_sentences``."""
    limit = params.get_int("num_sentences")
    relation = params.get_relation("relation")
    return lambda response: relation.compare(count_sentences(response), limit)


def build_number_paragraphs(params: Params) -> Check:
    """Build the check for exactly ``num_paragraphs`` paragraphs divided by ``***``."""
    expected = params.get_int("num_paragraphs")
    return lambda response: count_divided_paragraphs(response) == expected


def count_divided_paragraphs(response: str) -> int | None:
    """Count the paragraphs between ``***`` dividers.

    A divider at the very start or end adds no paragraph.

    Returns:
        The count, or None when two dividers enclose a blank paragraph, which breaks the rule
        that only paragraphs are separated by dividers.
    """
    pieces = _DIVIDER.split(response)
    count = len(pieces)
    for index, piece in enumerate(pieces):
        if piece.strip():
            continue
        if 0 < index < len(pieces) - 1:
            return None
        count -= 1
    return count


def build_nth_paragraph_first_word(params: Params) -> Check:
    """Build the check on paragraph count and the first word of paragraph ``nth_paragraph``.

    Paragraphs are separated by a blank line. Blank pieces do not count as paragraphs.
    """
    expected_count = params.get_int("num_paragraphs", minimum=1)
    nth = params.get_int("nth_paragraph", minimum=1)
    first_word = params.get_str("first_word").strip().lower()
    if nth > expected_count:
        raise ValueError(
            f"{params.instruction_id}: kwarg 'nth_paragraph' must be an integer <= "
            f"num_paragraphs ({expected_count}), got {nth}"
        )

    def check(response: str) -> bool:
        pieces = response.split(_BLANK_LINE_SEPARATOR)
        count = sum(1 for piece in pieces if piece.strip())
        if count != expected_count or nth > count:
            return False
        # As in the reference implementation, the n-th piece is taken before blank pieces
        # are dropped, so a blank piece at that position fails the check.
        return _first_word(pieces[nth - 1]) == first_word

    return check


def _first_word(paragraph: str) -> str | None:
    words = paragraph.split()
    if not words:
        return None
    word = words[0].lstrip("'\"")
    for index, character in enumerate(word):
        if character in _WORD_STOPS:
            word = word[:index]
            break
    return word.lower()
