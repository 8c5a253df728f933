"""Prompt rendering: a suite's Jinja templates turned into chat messages for one item."""

from __future__ import annotations

import functools
import string
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from harness.errors import SuiteError
from harness.suites.items import Item
from harness.suites.prompt_file import fill_slots
from harness.suites.spec import SuiteSpec

LETTERS = tuple(string.ascii_uppercase)

# Suite files may come from users, so templates run in Jinja's sandbox.
_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


def _lettered(choices: list[str] | tuple[str, ...]) -> str:
    """Format options as 'A. first' lines, the layout multiple-choice benchmarks use."""
    return "\n".join(f"{LETTERS[index]}. {choice}" for index, choice in enumerate(choices))


_ENV.filters["lettered"] = _lettered


@functools.lru_cache(maxsize=512)
def _compiled(template: str) -> Template:
    """Compile a template once: a suite renders the same template for every item."""
    return _ENV.from_string(template)


def render_text(template: str, context: dict[str, Any], *, suite: str, item_id: str, what: str) -> str:
    """Render one template; raise SuiteError naming the suite, item and template on failure."""
    try:
        return _compiled(template).render(**context).strip()
    except TemplateError as exc:
        raise SuiteError(
            f"suite {suite}: the {what} template failed for item {item_id}: {exc}. "
            "Check the field names in the template against the dataset's columns."
        ) from exc


def build_messages(spec: SuiteSpec, item: Item) -> list[dict[str, str]]:
    """Return the chat messages for one item: an optional system message and the user turn.

    Raises:
        SuiteError: a template fails, or the suite names a prompt file that the item lacks.
    """
    context = {
        "row": dict(item.row),
        "item": item,
        "choices": list(item.choices or ()),
        "letters": LETTERS,
        "fewshot": [dict(example) for example in item.fewshot],
        "prompt_file": _prompt_file(spec, item),
    }
    messages: list[dict[str, str]] = []
    if spec.prompt.system:
        system = render_text(spec.prompt.system, context, suite=spec.id, item_id=item.id, what="system")
        messages.append({"role": "system", "content": system})
    user = render_text(spec.prompt.template, context, suite=spec.id, item_id=item.id, what="prompt")
    messages.append({"role": "user", "content": user})
    return messages


def _prompt_file(spec: SuiteSpec, item: Item) -> str | None:
    """Return the suite's prompt file with the item's values in its slots, or None without one."""
    if spec.prompt.template_file is None:
        return None
    if item.prompt_file is None:
        raise SuiteError(
            f"suite {spec.id}: item {item.id} has no prompt file text although the suite names one; "
            "load items with harness.suites.loader.load_suite, which reads the file"
        )
    return fill_slots(item.prompt_file, item.row, suite_id=spec.id, item_id=item.id)


def compile_field(expression: str):  # type: ignore[no-untyped-def]
    """Compile a field-mapping expression such as `final_answer` or `answer.split('####')[-1]`."""
    try:
        return _ENV.compile_expression(expression, undefined_to_none=False)
    except TemplateError as exc:
        raise SuiteError(f"invalid field expression {expression!r}: {exc}") from exc
