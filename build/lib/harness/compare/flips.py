"""Items whose correctness changed between two runs, with both replies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from harness.store.records import Sample
from harness.store.run_dir import RunDir

FlipKey = tuple[str, str, str, str, bool]
"""(base model id, new model id, suite, item id, correct in the base run)."""


@dataclass(frozen=True)
class FlipSide:
    """One run's sample of a flipped item."""

    outcome: str
    extracted: Any
    """The answer read from the reply."""
    reply: str
    """The reply text, or the error type and message when there is no reply."""


@dataclass(frozen=True)
class Flip:
    """An item answered in both runs whose correctness changed."""

    base_id: str
    new_id: str
    vertical: str
    suite: str
    item_id: str
    direction: Literal["right_to_wrong", "wrong_to_right"]
    reference: Any
    base: FlipSide
    new: FlipSide


def collect_flips(base_dir: RunDir, new_dir: RunDir, keys: Iterable[FlipKey]) -> tuple[Flip, ...]:
    """Read the samples (repeat 0) of the flipped items from both runs; right-to-wrong flips come first.

    A later record of an item replaces an earlier one, as in the comparison itself.
    """
    keys = list(keys)
    base_samples = _samples(base_dir, {(base_id, suite, item) for base_id, _, suite, item, _ in keys})
    new_samples = _samples(new_dir, {(new_id, suite, item) for _, new_id, suite, item, _ in keys})
    flips = []
    for base_id, new_id, suite, item_id, was_correct in keys:
        base = base_samples[(base_id, suite, item_id)]
        new = new_samples[(new_id, suite, item_id)]
        flips.append(Flip(
            base_id=base_id, new_id=new_id, vertical=new.vertical, suite=suite, item_id=item_id,
            direction="right_to_wrong" if was_correct else "wrong_to_right",
            reference=new.reference if new.reference is not None else base.reference,
            base=_side(base), new=_side(new),
        ))
    order = {"right_to_wrong": 0, "wrong_to_right": 1}
    return tuple(sorted(flips, key=lambda flip: (order[flip.direction], flip.base_id, flip.suite, flip.item_id)))


def _samples(run_dir: RunDir, requested: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], Sample]:
    found: dict[tuple[str, str, str], Sample] = {}
    if not requested:
        return found
    for sample in run_dir.iter_samples():
        key = (sample.model_id, sample.suite, sample.item_id)
        if sample.repeat == 0 and key in requested:
            found[key] = sample
    return found


def _side(sample: Sample) -> FlipSide:
    if sample.reply is not None:
        reply = sample.reply
    elif sample.error is not None:
        reply = f"[error] {sample.error.type}: {sample.error.message}"
    else:
        reply = ""
    return FlipSide(outcome=sample.outcome, extracted=sample.extracted, reply=reply)
