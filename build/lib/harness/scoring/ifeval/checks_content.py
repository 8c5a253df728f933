"""IFEval content instructions ``detectable_content:*``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "The response must contain at least {N} placeholders represented by
square brackets, such as [address]" and "At the end of your response, please explicitly add
a postscript starting with {postscript marker}".
"""

from __future__ import annotations

import re

from harness.scoring.ifeval.checks_params import Check, Params

_PLACEHOLDER = re.compile(r"\[.*?\]")

# The two markers used by the data set get patterns that tolerate a space after each period
# ("P. P. S") and a missing final period on "P.P.S", matching the reference implementation.
_MARKER_PATTERNS = {
    "P.P.S": r"p\.\s?p\.\s?s",
    "P.S.": r"p\.\s?s\.",
}


def build_number_placeholders(params: Params) -> Check:
    """Build the check for at least ``num_placeholders`` bracketed placeholders.

    A placeholder is the shortest ``[...]`` span on one line, so ``[]`` counts too.
    """
    minimum = params.get_int("num_placeholders")
    return lambda response: len(_PLACEHOLDER.findall(response)) >= minimum


def build_postscript(params: Params) -> Check:
    """Build the check that the response contains ``postscript_marker``, ignoring case.

    NOTE: like the reference implementation, the marker may appear anywhere, not only in the
    response's last paragraph, although the instruction requires it at the end.
    """
    marker = params.get_str("postscript_marker").strip()
    pattern = _MARKER_PATTERNS.get(marker, re.escape(marker))
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda response: compiled.search(response) is not None
