"""IFEval combination instructions ``combination:repeat_prompt`` and ``combination:two_responses``.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "First, repeat the request without change, then give your answer" and
"Give two different responses. Responses and only responses should be separated by 6
asterisk symbols: ******."
"""

from __future__ import annotations

from harness.scoring.ifeval.checks_params import Check, Params

RESPONSE_SEPARATOR = "******"


def build_repeat_prompt(params: Params) -> Check:
    """Build the check that the response starts with ``prompt_to_repeat``, ignoring case.

    Whitespace around both texts is ignored.
    """
    prompt_to_repeat = params.get_str("prompt_to_repeat").strip().lower()
    return lambda response: response.strip().lower().startswith(prompt_to_repeat)


def build_two_responses(params: Params) -> Check:
    """Build the check for exactly two different responses separated by ``******``."""
    del params  # The instruction takes no kwargs.
    return _has_two_different_responses


def _has_two_different_responses(response: str) -> bool:
    pieces = response.split(RESPONSE_SEPARATOR)
    answers = []
    for index, piece in enumerate(pieces):
        if piece.strip():
            answers.append(piece.strip())
        elif 0 < index < len(pieces) - 1:
            # A blank piece between two separators means the separator was repeated, so
            # something other than a response sits between responses.
            return False
    return len(answers) == 2 and answers[0] != answers[1]
