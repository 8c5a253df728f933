"""Strict pass and fail cases for every IFEval instruction id."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from harness.scoring.ifeval import SUPPORTED_INSTRUCTIONS, evaluate_response


class Case(NamedTuple):
    instruction_id: str
    kwargs: dict[str, Any]
    response: str
    expected: bool


ENGLISH = "The quick brown fox jumps over the lazy dog while the farmer watches from the barn."
GERMAN = "Der schnelle braune Fuchs springt über den faulen Hund, während der Bauer zusieht."

CASES = [
    # punctuation
    Case("punctuation:no_comma", {}, "No commas in this sentence.", True),
    Case("punctuation:no_comma", {}, "One comma, right here.", False),
    Case("punctuation:no_comma", {}, "一个逗号，全角的", True),
    # length_constraints:number_words
    Case("length_constraints:number_words", {"relation": "at least", "num_words": 3},
         "one two three", True),
    Case("length_constraints:number_words", {"relation": "at least", "num_words": 3},
         "one two", False),
    Case("length_constraints:number_words", {"relation": "less than", "num_words": 3},
         "one, two!", True),
    Case("length_constraints:number_words", {"relation": "less than", "num_words": 3},
         "one two three", False),
    # length_constraints:number_sentences
    Case("length_constraints:number_sentences", {"relation": "at least", "num_sentences": 3},
         "First one. Second one? Third one!", True),
    Case("length_constraints:number_sentences", {"relation": "at least", "num_sentences": 3},
         "Mr. Smith met Dr. Jones. They talked.", False),
    Case("length_constraints:number_sentences", {"relation": "less than", "num_sentences": 2},
         "Pi is about 3.14 and that is all", True),
    Case("length_constraints:number_sentences", {"relation": "less than", "num_sentences": 2},
         "One. Two.", False),
    # length_constraints:number_paragraphs
    Case("length_constraints:number_paragraphs", {"num_paragraphs": 3},
         "First.\n***\nSecond.\n***\nThird.", True),
    Case("length_constraints:number_paragraphs", {"num_paragraphs": 2},
         "***\nFirst.\n***\nSecond.\n***", True),
    Case("length_constraints:number_paragraphs", {"num_paragraphs": 3},
         "First.\n***\nSecond.", False),
    Case("length_constraints:number_paragraphs", {"num_paragraphs": 2},
         "First.\n***\n***\nSecond.", False),
    # length_constraints:nth_paragraph_first_word
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "weekend"},
         "Intro.\n\nWeekend, finally.\n\nOutro.", True),
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "weekend"},
         "Intro.\n\n\"Weekend\" plans.\n\nOutro.", True),
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "weekend"},
         "Intro.\n\nSaturday comes.\n\nOutro.", False),
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "weekend"},
         "Intro.\n\nWeekend.", False),
    Case("length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "summary"},
         "Summary: short.\n\nMore.", False),
    # keywords:existence
    Case("keywords:existence", {"keywords": ["apple", "Pear"]},
         "An APPLE and a pear.", True),
    Case("keywords:existence", {"keywords": ["apple", "pear"]}, "Only an apple.", False),
    # keywords:frequency
    Case("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"},
         "Cat sat. The cat purred.", True),
    Case("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"},
         "One cat only.", False),
    Case("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"},
         "One cat only.", True),
    Case("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"},
         "A cat in a category.", False),
    # keywords:forbidden_words
    Case("keywords:forbidden_words", {"forbidden_words": ["cat", "dog"]},
         "A category of birds.", True),
    Case("keywords:forbidden_words", {"forbidden_words": ["cat", "dog"]},
         "My DOG barks.", False),
    # keywords:letter_frequency
    Case("keywords:letter_frequency", {"letter": "q", "let_frequency": 2, "let_relation": "at least"},
         "Quiet queens.", True),
    Case("keywords:letter_frequency", {"letter": "q", "let_frequency": 2, "let_relation": "at least"},
         "Quiet kings.", False),
    Case("keywords:letter_frequency", {"letter": "#", "let_frequency": 1, "let_relation": "less than"},
         "No hash signs.", True),
    Case("keywords:letter_frequency", {"letter": "#", "let_frequency": 1, "let_relation": "less than"},
         "# Heading", False),
    # detectable_format:number_highlighted_sections
    Case("detectable_format:number_highlighted_sections", {"num_highlights": 2},
         "*first part* and **second part**", True),
    Case("detectable_format:number_highlighted_sections", {"num_highlights": 2},
         "*first part* and ** ** and **", False),
    # detectable_format:title
    Case("detectable_format:title", {}, "<<My Title>>\nBody text.", True),
    Case("detectable_format:title", {}, "<< >>\nBody text.", False),
    Case("detectable_format:title", {}, "My Title\nBody text.", False),
    # detectable_format:number_bullet_lists
    Case("detectable_format:number_bullet_lists", {"num_bullets": 3},
         "Points:\n* one\n* two\n- three", True),
    Case("detectable_format:number_bullet_lists", {"num_bullets": 3},
         "Points:\n* one\n* two\n**not a bullet**", False),
    Case("detectable_format:number_bullet_lists", {"num_bullets": 2},
         "* one\n* two\n* three", False),
    # detectable_format:json_format
    Case("detectable_format:json_format", {}, '{"name": "value"}', True),
    Case("detectable_format:json_format", {}, '```json\n{"name": "value"}\n```', True),
    Case("detectable_format:json_format", {}, 'Here it is: {"name": "value"}', False),
    # detectable_format:multiple_sections
    Case("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
         "SECTION 1\nIntro.\nSECTION 2\nBody.", True),
    Case("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
         "Section 1\nIntro.\nSection 2\nBody.", False),
    Case("detectable_format:multiple_sections", {"section_spliter": "Day", "num_sections": 2},
         "Day 1: rest. Day two: walk.", False),
    # detectable_format:constrained_response
    Case("detectable_format:constrained_response", {}, "My answer is maybe.", True),
    Case("detectable_format:constrained_response", {}, "My answer is yes", False),
    # detectable_content:number_placeholders
    Case("detectable_content:number_placeholders", {"num_placeholders": 2},
         "Dear [name], see you at [address].", True),
    Case("detectable_content:number_placeholders", {"num_placeholders": 2},
         "Dear [name], see you soon.", False),
    # detectable_content:postscript
    Case("detectable_content:postscript", {"postscript_marker": "P.S."},
         "Body.\n\nP.S. See you.", True),
    Case("detectable_content:postscript", {"postscript_marker": "P.S."},
         "Body.\n\nPS See you.", False),
    Case("detectable_content:postscript", {"postscript_marker": "P.P.S"},
         "Body.\n\np. p. s. One more thing.", True),
    Case("detectable_content:postscript", {"postscript_marker": "P.P.S"},
         "Body.\n\nP.S. One thing.", False),
    # change_case
    Case("change_case:english_lowercase", {}, ENGLISH.lower(), True),
    Case("change_case:english_lowercase", {}, ENGLISH, False),
    Case("change_case:english_lowercase", {}, GERMAN.lower(), False),
    Case("change_case:english_capital", {}, ENGLISH.upper(), True),
    Case("change_case:english_capital", {}, ENGLISH, False),
    Case("change_case:english_capital", {}, GERMAN.upper(), False),
    Case("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
         "The U.S. and NASA agree.", True),
    Case("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
         "Only NASA here.", False),
    Case("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
         "Only NASA here.", True),
    Case("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
         "NASA, ESA AND JAXA.", False),
    # language:response_language
    Case("language:response_language", {"language": "de"}, GERMAN, True),
    Case("language:response_language", {"language": "de"}, ENGLISH, False),
    Case("language:response_language", {"language": "hi"},
         "मैं आज बाजार जा रहा हूँ और वहाँ से ताज़ी सब्जियाँ खरीदूँगा।", True),
    # startend
    Case("startend:quotation", {}, '  "Wrapped in quotes."  ', True),
    Case("startend:quotation", {}, '"Only opening quote.', False),
    Case("startend:quotation", {}, '"', False),
    Case("startend:end_checker", {"end_phrase": "Peace!"}, "That is all. peace!\n", True),
    Case("startend:end_checker", {"end_phrase": "Peace!"}, '"That is all. Peace!"', True),
    Case("startend:end_checker", {"end_phrase": "Peace!"}, "Peace! That is all.", False),
    # combination
    Case("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."},
         "write a poem.\nRoses are red.", True),
    Case("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."},
         "Sure. Write a poem.\nRoses are red.", False),
    Case("combination:two_responses", {}, "First answer.\n******\nSecond answer.", True),
    Case("combination:two_responses", {}, "Same answer.\n******\nSame answer.", False),
    Case("combination:two_responses", {}, "One.\n******\n******\nTwo.", False),
    Case("combination:two_responses", {}, "Only one answer.", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.instruction_id}-{case.expected}")
def test_strict_check_matches_expectation(case: Case) -> None:
    result = evaluate_response(case.response, [case.instruction_id], [case.kwargs], prompt="")

    (instruction,) = result.instructions
    assert instruction.supported
    assert instruction.strict is case.expected, case.response
    assert result.prompt_strict is case.expected


def test_cases_cover_every_instruction_both_ways() -> None:
    passing = {case.instruction_id for case in CASES if case.expected}
    failing = {case.instruction_id for case in CASES if not case.expected}

    assert passing == SUPPORTED_INSTRUCTIONS
    assert failing == SUPPORTED_INSTRUCTIONS
    assert len(SUPPORTED_INSTRUCTIONS) == 25
