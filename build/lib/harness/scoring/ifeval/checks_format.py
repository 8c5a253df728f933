"""IFEval format instructions ``detectable_format:*``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): markdown bullet points ("Your answer must contain exactly {N} bullet
points"), a title in double angular brackets (<<title>>), highlighted sections (*highlighted
section*), numbered sections ("Mark the beginning of each section with {section splitter} X"),
JSON output, and a constrained answer ("My answer is yes.", "My answer is no.", "My answer is
maybe.").
"""

from __future__ import annotations

import json
import re

from harness.scoring.ifeval.checks_params import Check, Params

# A bullet line starts, after optional whitespace, with "-" or with "*" not followed by
# another "*", so a line opening in **bold** is no bullet. As in the reference
# implementation, numbered items do not count and a "---" rule does.
_STAR_BULLET = re.compile(r"^\s*\*[^*].*$", re.MULTILINE)
_DASH_BULLET = re.compile(r"^\s*-.*$", re.MULTILINE)

_TITLE = re.compile(r"<<[^\n]+>>")
_SINGLE_HIGHLIGHT = re.compile(r"\*[^\n*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n*]*\*\*")
_JSON_FENCE = re.compile(r"^```(?:json)?", re.IGNORECASE)

CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


def build_number_bullet_lists(params: Params) -> Check:
    """Build the check for exactly ``num_bullets`` markdown bullet lines."""
    expected = params.get_int("num_bullets")
    return lambda response: count_bullets(response) == expected


def count_bullets(response: str) -> int:
    """Count the lines that start with a ``*`` or ``-`` bullet marker."""
    return len(_STAR_BULLET.findall(response)) + len(_DASH_BULLET.findall(response))


def build_title(params: Params) -> Check:
    """Build the check for a non-blank title wrapped in ``<<`` and ``>>`` on one line."""
    del params  # The instruction takes no kwargs.

    def check(response: str) -> bool:
        return any(title[2:-2].strip() for title in _TITLE.findall(response))

    return check


def build_number_highlighted_sections(params: Params) -> Check:
    """Build the check for at least ``num_highlights`` highlighted sections."""
    minimum = params.get_int("num_highlights")
    return lambda response: count_highlights(response) >= minimum


def count_highlights(response: str) -> int:
    """Count ``*text*`` and ``**text**`` spans on one line whose text is not blank.

    The single-asterisk scan never matches inside ``**text**`` with text, so a bold span
    counts once, through the double-asterisk scan.
    """
    single = [span for span in _SINGLE_HIGHLIGHT.findall(response) if span[1:-1].strip()]
    double = [span for span in _DOUBLE_HIGHLIGHT.findall(response) if span[2:-2].strip()]
    return len(single) + len(double)


def build_multiple_sections(params: Params) -> Check:
    """Build the check for at least ``num_sections`` sections headed "{section_spliter} N".

    The splitter is matched case-sensitively and must be followed by a number, as in
    "SECTION 1". The kwarg name keeps the data set's spelling.
    """
    splitter = params.get_str("section_spliter").strip()
    minimum = params.get_int("num_sections")
    pattern = re.compile(rf"\s?{re.escape(splitter)}\s?\d+\s?")
    return lambda response: len(pattern.split(response)) - 1 >= minimum


def build_json_format(params: Params) -> Check:
    """Build the check that the whole response parses as JSON.

    A markdown code fence around the JSON, opened by three backticks and an optional
    ``json`` tag, is allowed.
    """
    del params  # The instruction takes no kwargs.
    return _is_json


def _is_json(response: str) -> bool:
    body = _JSON_FENCE.sub("", response.strip(), count=1).removesuffix("```").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def build_constrained_response(params: Params) -> Check:
    """Build the check that the response contains one of ``CONSTRAINED_RESPONSES``.

    As in the reference implementation, the phrase may be surrounded by other text.
    """
    del params  # The instruction takes no kwargs.
    return lambda response: any(option in response for option in CONSTRAINED_RESPONSES)
