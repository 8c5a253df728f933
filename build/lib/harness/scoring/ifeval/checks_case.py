"""IFEval letter-case instructions ``change_case:*``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "Your entire response should be in English, capital letters only",
"Your entire response should be in English, and in all lowercase letters. No capital letters
are allowed" and "In your response, words with all capital letters should appear at least /
less than {N} times".
"""

from __future__ import annotations

import re

from harness.scoring.ifeval.checks_params import Check, Params
from harness.scoring.ifeval.checks_language import is_language

# Dotted acronyms such as "U.S." are one word. Otherwise a word is a run of word characters,
# so "DON'T" gives "DON" and "T" and "I'm" gives "I", close to the NLTK tokenizer that the
# reference implementation uses.
_WORD = re.compile(r"(?:[^\W_]\.){2,}|\w+")


def build_english_lowercase(params: Params) -> Check:
    """Build the check that the response is English with no uppercase letter."""
    del params  # The instruction takes no kwargs.
    return lambda response: response.islower() and is_language(response, "en")


def build_english_capital(params: Params) -> Check:
    """Build the check that the response is English with no lowercase letter."""
    del params  # The instruction takes no kwargs.
    return lambda response: response.isupper() and is_language(response, "en")


def build_capital_word_frequency(params: Params) -> Check:
    """Build the check that the count of all-capital words satisfies ``capital_relation``."""
    frequency = params.get_int("capital_frequency")
    relation = params.get_relation("capital_relation")
    return lambda response: relation.compare(count_capital_words(response), frequency)


def count_capital_words(response: str) -> int:
    """Count the words that have cased letters, all of them uppercase (``str.isupper``)."""
    return sum(1 for word in _WORD.findall(response) if word.isupper())
