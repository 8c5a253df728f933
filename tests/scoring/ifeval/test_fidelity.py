"""Every instruction instance of the IFEval data set: a reply that follows it passes, one that breaks it fails.

The replies come from `responses`, which builds them from each instruction's definition and
its kwargs in the data set, so all 834 instances are checked with their real parameters.
"""

from __future__ import annotations

from collections import Counter

from harness.scoring.ifeval import SUPPORTED_INSTRUCTIONS, evaluate_response
from tests.scoring.ifeval.responses import breaking, clean_kwargs, following, is_testable
from tests.scoring.ifeval.test_dataset import load_rows

INSTANCES = 834


def instances() -> list[tuple[int, str, dict, str]]:
    return [
        (row["key"], instruction_id, clean_kwargs(kwargs), row["prompt"])
        for row in load_rows()
        for instruction_id, kwargs in zip(row["instruction_id_list"], row["kwargs"])
    ]


def test_every_instance_follows_and_breaks_as_defined() -> None:
    failures = []
    untestable = []
    checked: Counter[str] = Counter()
    for key, instruction_id, kwargs, prompt in instances():
        if not is_testable(instruction_id, kwargs):
            untestable.append((key, instruction_id, kwargs))
            continue
        good = evaluate_response(following(instruction_id, kwargs), [instruction_id], [kwargs], prompt)
        bad = evaluate_response(breaking(instruction_id, kwargs), [instruction_id], [kwargs], prompt)
        if not (good.prompt_strict and good.prompt_loose):
            failures.append(("follow", key, instruction_id, kwargs))
        if bad.prompt_strict:
            failures.append(("break", key, instruction_id, kwargs))
        checked[instruction_id] += 1

    assert len(instances()) == INSTANCES
    assert failures == []
    assert set(checked) == SUPPORTED_INSTRUCTIONS
    # Only instances whose bound no reply can break ("less than 1 sentence") are skipped.
    assert len(untestable) <= 5, untestable
