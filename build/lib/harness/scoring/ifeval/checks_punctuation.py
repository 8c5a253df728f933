"""IFEval punctuation instruction ``punctuation:no_comma``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911), instruction "In your entire response, refrain from the use of any commas."
"""

from __future__ import annotations

from harness.scoring.ifeval.checks_params import Check, Params


def build_no_comma(params: Params) -> Check:
    """Build the check that the response contains no comma.

    Only the ASCII comma counts, as in the reference implementation, so an ideographic or
    fullwidth comma (U+3001, U+FF0C) passes.
    """
    del params  # The instruction takes no kwargs.
    return lambda response: "," not in response
