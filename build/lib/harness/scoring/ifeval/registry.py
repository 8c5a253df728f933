"""Map from IFEval instruction ids to the builders of their checks.

Covers the 25 instruction ids of the IFEval data set (Zhou et al. 2023, "Instruction-Following
Evaluation for Large Language Models", arXiv:2311.07911).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from harness.scoring.ifeval import (
    checks_case,
    checks_combination,
    checks_content,
    checks_format,
    checks_keywords,
    checks_language,
    checks_length,
    checks_punctuation,
    checks_startend,
)
from harness.scoring.ifeval.checks_params import Check, Params

Builder = Callable[[Params], Check]

BUILDERS: Mapping[str, Builder] = MappingProxyType(
    {
        "change_case:capital_word_frequency": checks_case.build_capital_word_frequency,
        "change_case:english_capital": checks_case.build_english_capital,
        "change_case:english_lowercase": checks_case.build_english_lowercase,
        "combination:repeat_prompt": checks_combination.build_repeat_prompt,
        "combination:two_responses": checks_combination.build_two_responses,
        "detectable_content:number_placeholders": checks_content.build_number_placeholders,
        "detectable_content:postscript": checks_content.build_postscript,
        "detectable_format:constrained_response": checks_format.build_constrained_response,
        "detectable_format:json_format": checks_format.build_json_format,
        "detectable_format:multiple_sections": checks_format.build_multiple_sections,
        "detectable_format:number_bullet_lists": checks_format.build_number_bullet_lists,
        "detectable_format:number_highlighted_sections": (
            checks_format.build_number_highlighted_sections
        ),
        "detectable_format:title": checks_format.build_title,
        "keywords:existence": checks_keywords.build_existence,
        "keywords:forbidden_words": checks_keywords.build_forbidden_words,
        "keywords:frequency": checks_keywords.build_frequency,
        "keywords:letter_frequency": checks_keywords.build_letter_frequency,
        "language:response_language": checks_language.build_response_language,
        "length_constraints:nth_paragraph_first_word": (
            checks_length.build_nth_paragraph_first_word
        ),
        "length_constraints:number_paragraphs": checks_length.build_number_paragraphs,
        "length_constraints:number_sentences": checks_length.build_number_sentences,
        "length_constraints:number_words": checks_length.build_number_words,
        "punctuation:no_comma": checks_punctuation.build_no_comma,
        "startend:end_checker": checks_startend.build_end_checker,
        "startend:quotation": checks_startend.build_quotation,
    }
)

SUPPORTED_INSTRUCTIONS: frozenset[str] = frozenset(BUILDERS)


def build_check(instruction_id: str, kwargs: Mapping[str, Any] | None) -> Check | None:
    """Build the check for one instruction from its kwargs.

    Args:
        instruction_id: An IFEval instruction id such as ``punctuation:no_comma``.
        kwargs: The instruction's parameters. Keys whose value is None are ignored.

    Returns:
        A predicate over a non-blank response, or None if the id is not supported.

    Raises:
        ValueError: If a kwarg is missing, has the wrong type or value, or is not taken by
            this instruction. The message names the instruction id and the key.
    """
    builder = BUILDERS.get(instruction_id)
    if builder is None:
        return None
    params = Params(instruction_id, kwargs)
    check = builder(params)
    params.reject_unused()
    return check
