"""IFEval scoring: a prompt is correct when every instruction is followed (strict variant).

Loose results and per-instruction results are kept in the details so prompt-level and
instruction-level accuracy, strict and loose, can be computed from stored samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.scoring.ifeval import evaluate_response

if TYPE_CHECKING:
    from harness.scoring.score import ScoreResult
    from harness.suites.items import Item


def score_ifeval(item: Item, reply: str) -> ScoreResult:
    """Check every instruction of the item; unsupported instructions make the sample an error."""
    from harness.scoring.score import ScoreResult

    reference = item.reference
    ids = list(reference["instruction_id_list"])
    kwargs = [dict(value) if value else {} for value in reference["kwargs"]]
    prompt = reference.get("prompt") or item.row.get("prompt", "")
    result = evaluate_response(reply, ids, kwargs, prompt)
    details = {
        "prompt_strict": result.prompt_strict,
        "prompt_loose": result.prompt_loose,
        "instructions": [
            {"id": entry.instruction_id, "strict": entry.strict, "loose": entry.loose, "supported": entry.supported}
            for entry in result.instructions
        ],
        "unsupported": list(result.unsupported),
    }
    if result.unsupported:
        # NOTE: an instruction without a checker is reported, never counted as followed.
        return ScoreResult("error", None, {**details, "reason": f"unsupported instructions: {', '.join(result.unsupported)}"})
    return ScoreResult("correct" if result.prompt_strict else "incorrect", None, details)
