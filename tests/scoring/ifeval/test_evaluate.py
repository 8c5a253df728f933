"""Strict and loose scoring, unsupported ids and blank responses in evaluate_response."""

from __future__ import annotations

import pytest

from harness.scoring.ifeval import evaluate_response, loose_variants

NO_COMMA = "punctuation:no_comma"
QUOTATION = "startend:quotation"


def test_preamble_line_fails_strict_passes_loose() -> None:
    response = 'Sure, here is the text:\n"A quoted answer."'

    result = evaluate_response(response, [QUOTATION], [{}], prompt="")

    assert result.instructions[0].strict is False
    assert result.instructions[0].loose is True
    assert result.prompt_strict is False
    assert result.prompt_loose is True


def test_trailing_line_removed_in_loose() -> None:
    response = "A plain answer\nHope that helps, let me know!"

    result = evaluate_response(response, [NO_COMMA], [{}], prompt="")

    assert result.instructions[0].strict is False
    assert result.instructions[0].loose is True


def test_asterisks_removed_in_loose() -> None:
    response = "**Intro.**\n\nMiddle text.\n\nEnd."
    kwargs = {"num_paragraphs": 3, "nth_paragraph": 1, "first_word": "intro"}

    result = evaluate_response(
        response, ["length_constraints:nth_paragraph_first_word"], [kwargs], prompt=""
    )

    assert result.instructions[0].strict is False
    assert result.instructions[0].loose is True


def test_loose_fails_when_no_variant_passes() -> None:
    response = "Intro line\nA, B and C\nClosing line"

    result = evaluate_response(response, [NO_COMMA], [{}], prompt="")

    assert result.instructions[0].strict is False
    assert result.instructions[0].loose is False


def test_loose_variants_are_the_eight_of_the_benchmark() -> None:
    variants = loose_variants("first *line*\n middle \n*last*")

    assert variants == (
        "first *line*\n middle \n*last*",
        "middle \n*last*",
        "first *line*\n middle",
        "middle",
        "first line\n middle \nlast",
        "middle \nlast",
        "first line\n middle",
        "middle",
    )


@pytest.mark.parametrize("response", [None, "", "   \n\t"])
def test_blank_response_fails_every_instruction(response: str | None) -> None:
    result = evaluate_response(response, [NO_COMMA, QUOTATION], [{}, None], prompt="")

    assert result.unsupported == ()
    assert result.prompt_strict is False
    assert result.prompt_loose is False
    for instruction in result.instructions:
        assert instruction.supported
        assert instruction.strict is False
        assert instruction.loose is False


def test_unknown_id_is_unsupported_not_passed() -> None:
    result = evaluate_response(
        "A plain answer", [NO_COMMA, "detectable_format:made_up"], [{}, {"n": 1}], prompt=""
    )

    assert result.unsupported == ("detectable_format:made_up",)
    assert result.prompt_strict is None
    assert result.prompt_loose is None
    known, unknown = result.instructions
    assert known.strict is True
    assert known.loose is True
    assert unknown.supported is False
    assert unknown.strict is None
    assert unknown.loose is None


def test_prompt_passes_only_if_all_pass() -> None:
    response = '"A quoted answer, with a comma."'

    result = evaluate_response(response, [QUOTATION, NO_COMMA], [{}, {}], prompt="")

    assert [instruction.strict for instruction in result.instructions] == [True, False]
    assert result.prompt_strict is False
    assert result.prompt_loose is False


def test_instructions_keep_prompt_order() -> None:
    ids = [QUOTATION, NO_COMMA, "detectable_format:title"]

    result = evaluate_response("<<t>>", ids, [{}, {}, {}], prompt="")

    assert [instruction.instruction_id for instruction in result.instructions] == ids


def test_kwargs_count_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="kwargs has 1 entries but instruction_ids has 2"):
        evaluate_response("text", [NO_COMMA, QUOTATION], [{}], prompt="")


def test_single_string_ids_raise() -> None:
    with pytest.raises(TypeError, match="not a string"):
        evaluate_response("text", NO_COMMA, [{}] * len(NO_COMMA), prompt="")


def test_bad_kwargs_raise_even_for_blank_response() -> None:
    with pytest.raises(ValueError, match="length_constraints:number_words"):
        evaluate_response(None, ["length_constraints:number_words"], [{}], prompt="")
