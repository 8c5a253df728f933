"""IFEval start/end instructions ``startend:quotation`` and ``startend:end_checker``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "Wrap your entire response with double quotation marks" and "Finish
your response with this exact phrase {end_phrase}. No other words should follow this phrase."
"""

from __future__ import annotations

from harness.scoring.ifeval.checks_params import Check, Params


def build_quotation(params: Params) -> Check:
    """Build the check that the stripped response starts and ends with an ASCII ``"``."""
    del params  # The instruction takes no kwargs.

    def check(response: str) -> bool:
        stripped = response.strip()
        return len(stripped) > 1 and stripped.startswith('"') and stripped.endswith('"')

    return check


def build_end_checker(params: Params) -> Check:
    """Build the check that the response ends with ``end_phrase``, ignoring case.

    Surrounding whitespace and double quotes around the whole response are ignored, so a
    response that also had to be wrapped in quotation marks can pass.
    """
    end_phrase = params.get_str("end_phrase").strip().lower()

    def check(response: str) -> bool:
        return response.strip().strip('"').lower().endswith(end_phrase)

    return check
