"""Strict and loose IFEval scoring of one response.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911). The strict score checks the response as it is. The loose score passes an
instruction if any of eight variants of the response passes: the response, the response
without its first line, without its last line, without both, and each of those four with
every markdown asterisk ``*`` removed. The variants forgive a preamble such as "Sure, here is
..." and markdown emphasis around the words a check looks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.scoring.ifeval.checks_params import Check
from harness.scoring.ifeval.registry import build_check


@dataclass(frozen=True)
class InstructionResult:
    """Outcome of one instruction for one response.

    Attributes:
        instruction_id: The IFEval instruction id.
        strict: Whether the response as it is follows the instruction, or None when the id is
            not supported.
        loose: Whether any loose variant of the response follows it, or None when the id is
            not supported.
        supported: Whether a check exists for the id.
    """

    instruction_id: str
    strict: bool | None
    loose: bool | None
    supported: bool


@dataclass(frozen=True)
class IFEvalResult:
    """Outcome of all instructions of one prompt for one response.

    Attributes:
        instructions: One result per instruction, in the prompt's order.
        prompt_strict: Whether every instruction passed the strict check, or None if any
            instruction id is unsupported. A prompt with no instructions passes.
        prompt_loose: The same for the loose check.
        unsupported: The unsupported instruction ids, in the prompt's order.
    """

    instructions: tuple[InstructionResult, ...]
    prompt_strict: bool | None
    prompt_loose: bool | None
    unsupported: tuple[str, ...]


def loose_variants(response: str) -> tuple[str, ...]:
    """Return the eight loose variants of ``response``, the response itself first.

    The variants without a line are stripped of surrounding whitespace.
    """
    lines = response.split("\n")
    trimmed = (
        response,
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    )
    return trimmed + tuple(variant.replace("*", "") for variant in trimmed)


def evaluate_response(
    response: str | None,
    instruction_ids: Sequence[str],
    kwargs: Sequence[Mapping[str, Any] | None],
    prompt: str,
) -> IFEvalResult:
    """Score one response against the verifiable instructions of its prompt.

    All kwargs are validated before any check runs. A None, empty or blank response fails
    every supported instruction, and so does every blank loose variant.

    Args:
        response: The model's response, or None if the model returned nothing.
        instruction_ids: The prompt's ``instruction_id_list``.
        kwargs: The prompt's ``kwargs``, one entry per instruction id. None stands for ``{}``.
        prompt: The prompt text. No check of the 25 supported ids reads it, because
            ``combination:repeat_prompt`` takes its text from the ``prompt_to_repeat`` kwarg.

    Returns:
        The per-instruction and per-prompt strict and loose results.

    Raises:
        TypeError: If ``instruction_ids`` is a single string instead of a sequence of ids.
        ValueError: If ``kwargs`` does not have one entry per instruction id, or an entry
            is invalid for its instruction. The message names the instruction id and the key.
    """
    del prompt  # Part of the interface so that callers pass whole records; see Args.
    if isinstance(instruction_ids, str):
        raise TypeError("instruction_ids must be a sequence of instruction ids, not a string")
    if len(instruction_ids) != len(kwargs):
        raise ValueError(
            f"kwargs has {len(kwargs)} entries but instruction_ids has {len(instruction_ids)}; "
            "pass one kwargs mapping (or None) per instruction id"
        )

    checks = [
        build_check(instruction_id, entry) for instruction_id, entry in zip(instruction_ids, kwargs)
    ]
    strict_candidates = _non_blank((response,) if response else ())
    loose_candidates = _non_blank(loose_variants(response) if response else ())

    results = tuple(
        _judge(instruction_id, check, strict_candidates, loose_candidates)
        for instruction_id, check in zip(instruction_ids, checks)
    )
    unsupported = tuple(result.instruction_id for result in results if not result.supported)
    if unsupported:
        return IFEvalResult(results, None, None, unsupported)
    return IFEvalResult(
        instructions=results,
        prompt_strict=all(result.strict for result in results),
        prompt_loose=all(result.loose for result in results),
        unsupported=(),
    )


def _non_blank(candidates: Sequence[str]) -> tuple[str, ...]:
    return tuple(candidate for candidate in candidates if candidate.strip())


def _judge(
    instruction_id: str,
    check: Check | None,
    strict_candidates: Sequence[str],
    loose_candidates: Sequence[str],
) -> InstructionResult:
    if check is None:
        return InstructionResult(instruction_id, strict=None, loose=None, supported=False)
    return InstructionResult(
        instruction_id,
        strict=any(check(candidate) for candidate in strict_candidates),
        loose=any(check(candidate) for candidate in loose_candidates),
        supported=True,
    )
