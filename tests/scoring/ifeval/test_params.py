"""Validation of instruction kwargs through build_check."""

from __future__ import annotations

from typing import Any

import pytest

from harness.scoring.ifeval import build_check

NUMBER_WORDS = "length_constraints:number_words"


def error_for(instruction_id: str, kwargs: Any) -> str:
    with pytest.raises(ValueError) as excinfo:
        build_check(instruction_id, kwargs)
    return str(excinfo.value)


def test_missing_key_names_id_key_and_type() -> None:
    message = error_for(NUMBER_WORDS, {"relation": "at least"})

    assert NUMBER_WORDS in message
    assert "'num_words'" in message
    assert "integer" in message


@pytest.mark.parametrize("value", ["300", True, 2.5, -1])
def test_invalid_integer_raises(value: Any) -> None:
    message = error_for(NUMBER_WORDS, {"relation": "at least", "num_words": value})

    assert NUMBER_WORDS in message
    assert "'num_words'" in message
    assert "integer" in message


def test_integral_float_is_accepted() -> None:
    check = build_check(NUMBER_WORDS, {"relation": "at least", "num_words": 2.0})

    assert check is not None
    assert check("two words")


def test_numpy_values_are_accepted() -> None:
    numpy = pytest.importorskip("numpy")

    words = build_check(NUMBER_WORDS, {"relation": "at least", "num_words": numpy.int64(2)})
    keywords = build_check("keywords:existence", {"keywords": numpy.array(["cat", "dog"])})

    assert words is not None
    assert words("two words")
    assert keywords is not None
    assert keywords("A cat and a dog.")
    assert not keywords("A cat alone.")


def test_invalid_relation_lists_choices() -> None:
    message = error_for(NUMBER_WORDS, {"relation": "at most", "num_words": 3})

    assert "'relation'" in message
    assert "'less than' or 'at least'" in message


def test_null_keys_are_ignored() -> None:
    kwargs = {"relation": "less than", "num_words": 3, "keyword": None, "language": None}

    check = build_check(NUMBER_WORDS, kwargs)

    assert check is not None
    assert check("two words")


def test_unexpected_key_raises() -> None:
    message = error_for("punctuation:no_comma", {"num_words": 3})

    assert "punctuation:no_comma" in message
    assert "unexpected kwargs ['num_words']" in message


def test_non_mapping_kwargs_raise() -> None:
    message = error_for("punctuation:no_comma", ["num_words"])

    assert "kwargs must be a mapping or None" in message


@pytest.mark.parametrize(
    ("instruction_id", "kwargs", "key", "expected"),
    [
        ("keywords:existence", {"keywords": "apple"}, "'keywords'", "list of non-blank strings"),
        ("keywords:forbidden_words", {"forbidden_words": ["ok", ""]}, "'forbidden_words'", "list"),
        ("keywords:letter_frequency",
         {"letter": "ab", "let_frequency": 1, "let_relation": "at least"}, "'letter'",
         "one character"),
        ("startend:end_checker", {"end_phrase": "  "}, "'end_phrase'", "non-blank string"),
        ("combination:repeat_prompt", {}, "'prompt_to_repeat'", "string"),
        ("detectable_format:multiple_sections", {"num_sections": 2}, "'section_spliter'",
         "string"),
    ],
)
def test_invalid_values_name_key_and_type(
    instruction_id: str, kwargs: dict[str, Any], key: str, expected: str
) -> None:
    message = error_for(instruction_id, kwargs)

    assert instruction_id in message
    assert key in message
    assert expected in message


def test_unsupported_language_raises() -> None:
    message = error_for("language:response_language", {"language": "xx"})

    assert "'language'" in message
    assert "'xx'" in message


def test_nth_paragraph_beyond_count_raises() -> None:
    kwargs = {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "hello"}

    message = error_for("length_constraints:nth_paragraph_first_word", kwargs)

    assert "'nth_paragraph'" in message


def test_unknown_id_builds_no_check() -> None:
    assert build_check("detectable_format:made_up", {"anything": 1}) is None
