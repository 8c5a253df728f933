"""Replies as real chat models write them, built from an item's reference answer.

`reference_reply` states the reference in one of several styles a model uses (markdown, LaTeX,
a restated option, a false start corrected by a final answer, thousands separators, currency,
percent, units, accounting negatives), chosen per item by a stable hash so every style meets
real data. `wrong_reply` states a different, well-formed answer. `noncommittal_reply` never
commits: two answers at once, an empty or missing content, or a reply cut off by the token
limit, so none of them may ever be credited.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any

from harness.suites.items import Item
from harness.suites.prompt import LETTERS
from harness.suites.spec import SuiteSpec
from tests.scoring.ifeval.responses import breaking, clean_kwargs, following, is_testable


@dataclass(frozen=True)
class Reply:
    """What the test server sends back: the content and the finish reason."""

    content: str | None
    finish_reason: str = "stop"


def style(item: Item, count: int, salt: str = "") -> int:
    """Pick one of `count` styles for an item, the same on every run."""
    return zlib.crc32(f"{salt}{item.id}".encode()) % count


# --- multiple choice -------------------------------------------------------------------------


def _letter(item: Item) -> str:
    reference = item.reference
    return LETTERS[reference] if isinstance(reference, int) else str(reference).strip().upper()


def _other_letter(item: Item) -> str:
    count = len(item.choices or ())
    return LETTERS[(LETTERS.index(_letter(item)) + 1) % count]


def _text_names_only_its_option(item: Item, letter: str) -> bool:
    """Tell whether an option's text alone identifies it: no other option has the same text, and it is not a bare letter."""
    choices = [" ".join(choice.split()).casefold().rstrip(".") for choice in item.choices or ()]
    text = choices[LETTERS.index(letter)]
    return bool(text) and choices.count(text) == 1 and not re.fullmatch(r"[(\[]?[a-j][)\]]?", text)


def choice_reply(item: Item, letter: str, variant: int) -> str:
    """State `letter` as the answer in the given style."""
    option = " ".join((item.choices or ())[LETTERS.index(letter)].split())
    other = LETTERS[(LETTERS.index(letter) + 1) % len(item.choices or ())]
    styles = [
        f"Let me look at each option in turn.\n\nAnswer: {letter}",
        f"**Answer:** {letter}",
        f"The answer is ({letter}).",
        f"Final answer: $\\boxed{{{letter}}}$",
        f"answer: {letter.lower()}",
        f"Answer: {letter}) {option}",
        f"Answer: {other}\n\nWait, I misread the question. The correct answer is {letter}.",
        f"## Final Answer\n\n**{letter}**",
    ]
    if _text_names_only_its_option(item, letter):
        styles.append(f"The answer is {option}")
    return styles[variant % len(styles)]


# --- labels ----------------------------------------------------------------------------------


def label_reply(label: str, other: str, variant: int) -> str:
    """State `label` as the answer in the given style."""
    styles = [
        f"Answer: {label}",
        f"**Answer: {label}**",
        f"The answer is {label.lower()}.",
        f"{label}.",
        f"The facts point one way once the rule is applied.\nFinal answer: {label}",
        f"Answer: {other}\nWait, I misread the facts. Final answer: {label}",
        f"$\\boxed{{{label}}}$",
    ]
    return styles[variant % len(styles)]


def _other_label(spec: SuiteSpec, label: str) -> str:
    labels = spec.answer.labels
    index = [entry.lower() for entry in labels].index(label.lower())
    return labels[(index + 1) % len(labels)]


# --- numbers ---------------------------------------------------------------------------------


def _plain(value: float) -> str:
    """Write a number without trailing zeros: 12.0 -> '12', 0.25 -> '0.25'."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _grouped(value: float) -> str:
    """Write a number with thousands separators: 1234.5 -> '1,234.5'."""
    whole, _, fraction = _plain(abs(value)).partition(".")
    text = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    return f"-{text}" if value < 0 else text


def number_reply(spec: SuiteSpec, item: Item, value: float, variant: int) -> str:
    """State `value` as the answer in the given style, in the units the suite allows."""
    scale = str(item.row.get(spec.answer.scale_field or "", "") or "").lower()
    money = f"-${_grouped(-value)}" if value < 0 else f"${_grouped(value)}"
    styles = [
        f"Step by step, the result follows.\nAnswer: {_grouped(value)}",
        f"Answer: {_plain(value)}.",
        f"The final answer is {_grouped(value)}.00" if value == int(value) else f"The final answer is {_grouped(value)}",
        f"Answer: {value:e}",
        f"First I got {_grouped(value + 10)}. That was a slip, so the final answer is {_grouped(value)}.",
        f"$\\boxed{{{_grouped(value)}}}$",
    ]
    if scale == "percent":
        styles += [f"Answer: {_plain(value)}%", f"The change is **{_grouped(value)}%**."]
    elif scale in ("thousand", "million"):
        factor = 1e3 if scale == "thousand" else 1e6
        styles += [f"Answer: {_grouped(value)} {scale}", f"Answer: {money}", f"In full units: {_grouped(value * factor)}\nAnswer: {_grouped(value * factor)}"]
    else:
        styles += [f"Answer: {money}", f"#### {_plain(value)}"]
    if value < 0 and spec.answer.parentheses_negative:
        styles.append(f"Answer: ({_grouped(-value)})")
    return styles[variant % len(styles)]


def _wrong_number(value: float) -> float:
    """A number outside every tolerance and scale of `value`."""
    return value + 1 + abs(value)


# --- code ------------------------------------------------------------------------------------


def code_reply(spec: SuiteSpec, item: Item, variant: int) -> str:
    """The benchmark's reference solution in a fenced block, whole or (HumanEval) as the body only."""
    row = item.row
    if "canonical_solution" in row:
        program = row["canonical_solution"] if variant % 2 else row["prompt"] + row["canonical_solution"]
    else:
        program = row["code"]
        if variant % 2:
            # The markers of MBPP's few-shot prompt, which a model may copy.
            return f"[BEGIN]\n{program.rstrip()}\n[DONE]"
    return f"Here is a solution.\n\n```python\n{program.rstrip()}\n```\n"


def broken_code_reply(spec: SuiteSpec, item: Item) -> str:
    """The reference solution with every top-level function replaced by one that raises."""
    source = item.row.get("code") or item.row["prompt"] + item.row["canonical_solution"]
    names = re.findall(r"^def\s+(\w+)\s*\(", source, re.MULTILINE)
    stubs = "".join(f"\n\ndef {name}(*args, **kwargs):\n    raise NotImplementedError('not written yet')\n" for name in names)
    return f"```python\n{source.rstrip()}{stubs}```"


# --- IFEval ----------------------------------------------------------------------------------


def answered_instruction(item: Item) -> int | None:
    """Index of the instruction the IFEval replies address: the first one that can be followed and broken."""
    reference = item.reference
    for index, (instruction_id, kwargs) in enumerate(zip(reference["instruction_id_list"], reference["kwargs"])):
        if is_testable(instruction_id, clean_kwargs(kwargs)):
            return index
    return None


def _ifeval_reply(item: Item, follow: bool) -> str:
    index = answered_instruction(item)
    if index is None:
        return "ok"
    instruction_id = item.reference["instruction_id_list"][index]
    kwargs = clean_kwargs(item.reference["kwargs"][index])
    return following(instruction_id, kwargs) if follow else breaking(instruction_id, kwargs)


# --- the three kinds of model ----------------------------------------------------------------


def reference_reply(spec: SuiteSpec, item: Item) -> Reply:
    """The item's reference answer, written in one of the styles."""
    kind = spec.answer.type
    if kind == "choice":
        return Reply(choice_reply(item, _letter(item), style(item, 9)))
    if kind == "label":
        label = str(item.reference)
        return Reply(label_reply(label, _other_label(spec, label), style(item, 7)))
    if kind == "number":
        return Reply(number_reply(spec, item, float(item.reference), style(item, 11)))
    if kind == "code":
        return Reply(code_reply(spec, item, style(item, 2)))
    return Reply(_ifeval_reply(item, follow=True))


def wrong_reply(spec: SuiteSpec, item: Item) -> Reply:
    """A well-formed answer that is not the reference."""
    kind = spec.answer.type
    if kind == "choice":
        return Reply(choice_reply(item, _other_letter(item), style(item, 9)))
    if kind == "label":
        label = _other_label(spec, str(item.reference))
        return Reply(label_reply(label, str(item.reference), style(item, 7)))
    if kind == "number":
        value = float(item.reference)
        assert not math.isclose(_wrong_number(value), value)
        return Reply(number_reply(spec, item, _wrong_number(value), style(item, 11)))
    if kind == "code":
        return Reply(broken_code_reply(spec, item))
    return Reply(_ifeval_reply(item, follow=False))


def noncommittal_reply(spec: SuiteSpec, item: Item) -> Reply:
    """A reply that must never be credited: two answers, no content, or the right answer cut off."""
    variant = style(item, 4, salt="noncommittal")
    if variant == 0:
        return Reply("")
    if variant == 1:
        return Reply(None)
    if variant == 2:
        # The right answer, but the reply stopped at the token limit: truncated, never a pass.
        return Reply(reference_reply(spec, item).content, finish_reason="length")
    return Reply(_two_answers(spec, item))


def _two_answers(spec: SuiteSpec, item: Item) -> str:
    kind = spec.answer.type
    if kind == "choice":
        return f"Answer: {_letter(item)} or {_other_letter(item)}"
    if kind == "label":
        return f"Answer: {item.reference} or {_other_label(spec, str(item.reference))}"
    if kind == "number":
        value = float(item.reference)
        return f"Answer: {_grouped(value)} or {_grouped(_wrong_number(value))}"
    if kind == "code":
        return "I would need more details before writing this function."
    return "   "


def expected_noncommittal_outcome(reply: Reply) -> str:
    """The outcome a noncommittal reply must get."""
    return "truncated" if reply.finish_reason == "length" else "unparseable"


def reply_for(model: str, spec: SuiteSpec, item: Item) -> Reply:
    """Dispatch on the model name of the fidelity run."""
    return {"reference": reference_reply, "wrong": wrong_reply, "noncommittal": noncommittal_reply}[model](spec, item)


def describe(item: Item) -> dict[str, Any]:
    """A short description of an item for assertion messages."""
    return {"id": item.id, "reference": str(item.reference)[:80]}
