"""IFEval instruction-following checks, strict and loose.

Implements the 25 verifiable instructions of IFEval (Zhou et al. 2023, "Instruction-Following
Evaluation for Large Language Models", arXiv:2311.07911). Each ``checks_*`` module contains one
family of instructions, ``registry`` maps instruction ids to checks, and ``evaluate`` scores a
response.

"The reference implementation" in these modules is the authors' checker code, published in
the google-research repository under ``instruction_following_eval``. NOTE: its behavior was
reproduced here without a line-by-line comparison, so scores may differ in edge cases.

Example:
    >>> result = evaluate_response(
    ...     "hello world", ["punctuation:no_comma"], [{}], prompt="Do not use commas."
    ... )
    >>> result.prompt_strict
    True
"""

from harness.scoring.ifeval.evaluate import (
    IFEvalResult,
    InstructionResult,
    evaluate_response,
    loose_variants,
)
from harness.scoring.ifeval.registry import SUPPORTED_INSTRUCTIONS, build_check

__all__ = [
    "SUPPORTED_INSTRUCTIONS",
    "IFEvalResult",
    "InstructionResult",
    "build_check",
    "evaluate_response",
    "loose_variants",
]
