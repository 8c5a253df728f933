"""Table tests for pulling the program out of a code reply."""

from __future__ import annotations

import pytest

from harness.scoring.code import build_program, extract_code

FUNCTION = "def add(a, b):\n    return a + b\n"

# Each case is (reply, entry point, expected code or None).
CASES = [
    (f"```python\n{FUNCTION}```", "add", FUNCTION),
    (f"Here it is:\n\n```py\n{FUNCTION}```\nDone.", "add", FUNCTION),
    (f"```\n{FUNCTION}```", None, FUNCTION),
    # Several blocks: the one that defines the entry point, else the last Python block.
    (f"```python\nimport math\n```\n```python\n{FUNCTION}```", "add", FUNCTION),
    ("```python\nx = 1\n```\n```python\ny = 2\n```", "add", "y = 2\n"),
    # A block cut off by the token limit still counts up to the end of the reply.
    (f"```python\n{FUNCTION}", "add", FUNCTION),
    # MBPP's few-shot markers.
    (f"[BEGIN]\n{FUNCTION}[DONE]", "add", FUNCTION),
    (f"Sure.\n[BEGIN]\n{FUNCTION}\n[DONE]\nThat passes the tests.", "add", FUNCTION + "\n"),
    (f"[BEGIN]\n```python\n{FUNCTION}```\n[DONE]", "add", FUNCTION),
    # No fence: the whole reply when it looks like code.
    (FUNCTION, "add", FUNCTION),
    # No code at all.
    ("I would need more details before writing this function.", "add", None),
    ("", "add", None),
    ("```json\n{\"a\": 1}\n```", "add", None),
]


@pytest.mark.parametrize(("reply", "entry_point", "expected"), CASES)
def test_extract_code(reply: str, entry_point: str | None, expected: str | None) -> None:
    assert extract_code(reply, entry_point) == expected


STUB = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n"

# Each case is (code from the reply, prompt, entry point, expected program).
PROGRAMS = [
    # The whole function after the prompt: the later definition wins and the prompt's imports stay.
    (FUNCTION, STUB, "add", f"{STUB}\n\n{FUNCTION}"),
    # Only the body: it completes the prompt's stub.
    ("    return a + b\n", STUB, "add", STUB + "    return a + b\n"),
    # No prompt field (MBPP): the code alone.
    (FUNCTION, None, "add", FUNCTION),
]


@pytest.mark.parametrize(("code", "prompt", "entry_point", "expected"), PROGRAMS)
def test_build_program(code: str, prompt: str | None, entry_point: str, expected: str) -> None:
    assert build_program(code, prompt, entry_point) == expected
