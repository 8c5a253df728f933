"""Responses built from an IFEval instruction's definition: one that follows it and one that breaks it.

Each builder reads the instruction's kwargs as the IFEval paper defines them (Zhou et al. 2023,
arXiv:2311.07911) and writes the reply a model would give, at the boundary where the count
matters ("at least 5" gets exactly 5 to follow it and 4 to break it). The builders are
written from the definitions, not from the checkers, so a checker that disagrees with the
definition fails the fidelity tests. A language is written with that language's most frequent
character trigrams from langdetect's profiles, because langdetect is the benchmark's own
language detector.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from langdetect.detector_factory import PROFILES_DIRECTORY

Kwargs = Mapping[str, Any]

# Plain lowercase English words, no digits and no punctuation, for filler text.
VOCABULARY = (
    "the morning light falls on a quiet town where people walk to work and children run to "
    "school while birds sing in tall trees near an old river that moves slowly toward the "
    "sea under a wide blue sky full of soft clouds and warm air"
).split()
# Words of every letter profile, so filler can avoid any one letter and still be English-like.
EXTRA_WORDS = ("by", "my", "up", "so", "do", "go", "if", "us", "am", "oh", "hi", "yes", "fun", "sky", "dry", "cut", "mix")
OTHER_WORD = "zebra"
SEPARATOR = "******"


def words(count: int, avoid: Callable[[str], bool] = lambda word: False) -> list[str]:
    """Return `count` filler words, skipping any word for which `avoid` is true."""
    pool = [word for word in (*VOCABULARY, *EXTRA_WORDS) if not avoid(word)]
    if not pool:
        raise ValueError("every filler word is excluded; widen the vocabulary")
    return [pool[index % len(pool)] for index in range(count)]


def sentences(count: int, avoid: Callable[[str], bool] = lambda word: False, length: int = 6) -> str:
    """Return `count` sentences of `length` words, each ending in a period."""
    pool = words(count * length, avoid)
    return " ".join(" ".join(pool[start:start + length]) + "." for start in range(0, count * length, length))


def text(avoid: Callable[[str], bool] = lambda word: False) -> str:
    """Return two plain sentences."""
    return sentences(2, avoid)


@functools.cache
def language_text(code: str) -> str:
    """Return text that langdetect reads as language `code`: its 40 most frequent trigrams."""
    with open(os.path.join(PROFILES_DIRECTORY, code), encoding="utf-8") as handle:
        frequencies = json.load(handle)["freq"]
    trigrams = [gram for gram in sorted(frequencies, key=frequencies.__getitem__, reverse=True) if len(gram) == 3 and " " not in gram]
    return " ".join(trigrams[:40])


class Untestable(ValueError):
    """No response can both follow and break the instruction as given, e.g. "at least 0 times"."""


def _relation_counts(limit: int, relation: str, least: int = 0) -> tuple[int, int]:
    """Return (a count that follows, a count that breaks) "less than"/"at least" `limit`.

    Raises:
        Untestable: one of the two counts would be below `least`.
    """
    if relation not in ("less than", "at least"):
        raise ValueError(f"unknown relation {relation!r}")
    follow, broken = (limit - 1, limit) if relation == "less than" else (limit, limit - 1)
    if min(follow, broken) < least:
        raise Untestable(f"{relation} {limit}")
    return follow, broken


def _at_least(count: int) -> int:
    """Return a count that breaks "at least `count`"."""
    if count < 1:
        raise Untestable(f"at least {count}")
    return count - 1


def _contains(keyword: str) -> Callable[[str], bool]:
    return lambda word: keyword.lower() in word.lower() or word.lower() in keyword.lower()


def _pair(instruction_id: str, kwargs: Kwargs) -> tuple[str, str]:
    """Return (following, breaking) responses for one instruction."""
    builder = BUILDERS[instruction_id]
    return builder(dict(kwargs))


def following(instruction_id: str, kwargs: Kwargs) -> str:
    """Return a response that follows the instruction."""
    return _pair(instruction_id, kwargs)[0]


def breaking(instruction_id: str, kwargs: Kwargs) -> str:
    """Return a response that breaks the instruction."""
    return _pair(instruction_id, kwargs)[1]


def _capital_word_frequency(kw: dict[str, Any]) -> tuple[str, str]:
    follow, broken = _relation_counts(kw["capital_frequency"], kw["capital_relation"])
    shout = lambda count: " ".join(["NOTE"] * count)  # noqa: E731 (a one-line local helper)
    return f"{text()} {shout(follow)}".strip(), f"{text()} {shout(broken)}".strip()


def _english(kw: dict[str, Any], upper: bool) -> tuple[str, str]:
    english = sentences(4)
    cased = english.upper() if upper else english
    return cased, english.capitalize() if not upper else english


def _repeat_prompt(kw: dict[str, Any]) -> tuple[str, str]:
    answer = text()
    return f"{kw['prompt_to_repeat']}\n\n{answer}", answer


def _two_responses(kw: dict[str, Any]) -> tuple[str, str]:
    first, second = sentences(1), sentences(1, avoid=lambda word: word == "the")
    return f"{first}\n{SEPARATOR}\n{second}", first


def _placeholders(kw: dict[str, Any]) -> tuple[str, str]:
    count = kw["num_placeholders"]
    slots = lambda n: " ".join(f"[field {index}]" for index in range(n))  # noqa: E731
    return f"{text()} {slots(count)}", f"{text()} {slots(_at_least(count))}".strip()


def _postscript(kw: dict[str, Any]) -> tuple[str, str]:
    return f"{text()}\n\n{kw['postscript_marker']} {sentences(1)}", text()


def _constrained(kw: dict[str, Any]) -> tuple[str, str]:
    return "My answer is yes.", "Yes."


def _json(kw: dict[str, Any]) -> tuple[str, str]:
    return json.dumps({"answer": text()}), text()


def _sections(kw: dict[str, Any]) -> tuple[str, str]:
    splitter, count = kw["section_spliter"], kw["num_sections"]
    avoid = _contains(splitter)
    body = lambda n: "\n\n".join(f"{splitter} {index + 1}\n{sentences(1, avoid)}" for index in range(n))  # noqa: E731
    return body(count), body(_at_least(count)) or text(avoid)


def _bullets(kw: dict[str, Any]) -> tuple[str, str]:
    count = kw["num_bullets"]
    lines = lambda n: "\n".join(f"* {sentences(1)}" for _ in range(n))  # noqa: E731
    return f"{text()}\n\n{lines(count)}", f"{text()}\n\n{lines(count + 1)}"


def _highlights(kw: dict[str, Any]) -> tuple[str, str]:
    count = kw["num_highlights"]
    spans = lambda n: " ".join(f"*part {index}*" for index in range(n))  # noqa: E731
    return f"{text()} {spans(count)}", f"{text()} {spans(_at_least(count))}".strip()


def _title(kw: dict[str, Any]) -> tuple[str, str]:
    return f"<<the quiet town>>\n\n{text()}", text()


def _existence(kw: dict[str, Any]) -> tuple[str, str]:
    keywords = kw["keywords"]
    avoid = lambda word: any(_contains(keyword)(word) for keyword in keywords)  # noqa: E731
    return f"{text(avoid)} {' '.join(keywords)}.", text(avoid)


def _forbidden(kw: dict[str, Any]) -> tuple[str, str]:
    forbidden = kw["forbidden_words"]
    avoid = lambda word: any(word.lower() == item.lower() for item in forbidden)  # noqa: E731
    return text(avoid), f"{text(avoid)} {forbidden[0]}."


def _frequency(kw: dict[str, Any]) -> tuple[str, str]:
    keyword = kw["keyword"]
    follow, broken = _relation_counts(kw["frequency"], kw["relation"])
    avoid = _contains(keyword)
    repeat = lambda n: " ".join([keyword] * n)  # noqa: E731
    return f"{text(avoid)} {repeat(follow)}".strip(), f"{text(avoid)} {repeat(broken)}".strip()


def _letter_frequency(kw: dict[str, Any]) -> tuple[str, str]:
    letter = kw["letter"].lower()
    follow, broken = _relation_counts(kw["let_frequency"], kw["let_relation"])
    avoid = lambda word: letter in word  # noqa: E731
    repeat = lambda n: " ".join([letter] * n)  # noqa: E731
    return f"{text(avoid)} {repeat(follow)}".strip(), f"{text(avoid)} {repeat(broken)}".strip()


def _language(kw: dict[str, Any]) -> tuple[str, str]:
    return language_text(kw["language"]), sentences(4)


def _nth_paragraph(kw: dict[str, Any]) -> tuple[str, str]:
    count, nth, first = kw["num_paragraphs"], kw["nth_paragraph"], kw["first_word"]

    def paragraphs(opening: str) -> str:
        return "\n\n".join(f"{opening} {sentences(1)}" if index == nth - 1 else sentences(1) for index in range(count))

    return paragraphs(first), paragraphs(OTHER_WORD)


def _paragraphs(kw: dict[str, Any]) -> tuple[str, str]:
    count = kw["num_paragraphs"]
    divided = lambda n: "\n***\n".join(sentences(1) for _ in range(n))  # noqa: E731
    return divided(count), divided(count + 1)


def _sentences(kw: dict[str, Any]) -> tuple[str, str]:
    follow, broken = _relation_counts(kw["num_sentences"], kw["relation"], least=1)
    return sentences(follow), sentences(broken)


def _words(kw: dict[str, Any]) -> tuple[str, str]:
    follow, broken = _relation_counts(kw["num_words"], kw["relation"], least=1)
    return " ".join(words(follow)) + ".", " ".join(words(broken)) + "."


def _no_comma(kw: dict[str, Any]) -> tuple[str, str]:
    return text(), "first, then " + text()


def _end_checker(kw: dict[str, Any]) -> tuple[str, str]:
    phrase = kw["end_phrase"]
    return f"{text()} {phrase}", f"{text()} {phrase} {sentences(1)}"


def _quotation(kw: dict[str, Any]) -> tuple[str, str]:
    return f'"{text()}"', text()


BUILDERS: Mapping[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "change_case:capital_word_frequency": _capital_word_frequency,
    "change_case:english_capital": lambda kw: _english(kw, upper=True),
    "change_case:english_lowercase": lambda kw: _english(kw, upper=False),
    "combination:repeat_prompt": _repeat_prompt,
    "combination:two_responses": _two_responses,
    "detectable_content:number_placeholders": _placeholders,
    "detectable_content:postscript": _postscript,
    "detectable_format:constrained_response": _constrained,
    "detectable_format:json_format": _json,
    "detectable_format:multiple_sections": _sections,
    "detectable_format:number_bullet_lists": _bullets,
    "detectable_format:number_highlighted_sections": _highlights,
    "detectable_format:title": _title,
    "keywords:existence": _existence,
    "keywords:forbidden_words": _forbidden,
    "keywords:frequency": _frequency,
    "keywords:letter_frequency": _letter_frequency,
    "language:response_language": _language,
    "length_constraints:nth_paragraph_first_word": _nth_paragraph,
    "length_constraints:number_paragraphs": _paragraphs,
    "length_constraints:number_sentences": _sentences,
    "length_constraints:number_words": _words,
    "punctuation:no_comma": _no_comma,
    "startend:end_checker": _end_checker,
    "startend:quotation": _quotation,
}


def clean_kwargs(kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop the None values the data set stores for kwargs an instruction does not take."""
    return {key: value for key, value in (kwargs or {}).items() if value is not None}


def is_testable(instruction_id: str, kwargs: Kwargs) -> bool:
    """Tell whether one response can follow the instruction and another break it."""
    try:
        _pair(instruction_id, kwargs)
    except Untestable:
        return False
    return True
