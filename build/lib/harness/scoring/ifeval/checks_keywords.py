"""IFEval keyword instructions ``keywords:*``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "Include keywords {keyword1}, {keyword2} in your response", "In your
response, the word {word} should appear {N} times", "Do not include keywords {forbidden
words} in the response" and "In your response, the letter {letter} should appear {N} times".

As in the reference implementation, ``existence`` and ``frequency`` match the keyword as a
case-insensitive substring (so "cat" also counts inside "category"), while ``forbidden_words``
matches whole words only.
"""

from __future__ import annotations

import re

from harness.scoring.ifeval.checks_params import Check, Params


def build_existence(params: Params) -> Check:
    """Build the check that every keyword occurs in the response."""
    keywords = params.get_strings("keywords")
    patterns = [re.compile(re.escape(keyword), re.IGNORECASE) for keyword in keywords]
    return lambda response: all(pattern.search(response) for pattern in patterns)


def build_frequency(params: Params) -> Check:
    """Build the check that the keyword's occurrence count satisfies ``relation``."""
    pattern = re.compile(re.escape(params.get_str("keyword")), re.IGNORECASE)
    frequency = params.get_int("frequency")
    relation = params.get_relation("relation")
    return lambda response: relation.compare(len(pattern.findall(response)), frequency)


def build_forbidden_words(params: Params) -> Check:
    """Build the check that no forbidden word occurs as a whole word, ignoring case."""
    patterns = [
        re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
        for word in params.get_strings("forbidden_words")
    ]
    return lambda response: not any(pattern.search(response) for pattern in patterns)


def build_letter_frequency(params: Params) -> Check:
    """Build the check that the letter's count, ignoring case, satisfies ``let_relation``."""
    letter = params.get_char("letter").lower()
    frequency = params.get_int("let_frequency")
    relation = params.get_relation("let_relation")
    return lambda response: relation.compare(response.lower().count(letter), frequency)
