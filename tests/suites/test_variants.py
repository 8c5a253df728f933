"""Prompt-format variants: a variant runs only when a pattern selects it and not its base suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import SuiteError
from harness.suites.registry import discover, select

SUITE = """
name: {name}
vertical: {vertical}
description: a suite for the variant tests
source:
  local: {{files: [rows.jsonl]}}
fields: {{reference: answer}}
prompt: {{template: "{{{{ row.question }}}}"}}
answer: {{type: label, labels: ["Yes", "No"]}}
scorer: label
{extra}
"""


def write(root: Path, name: str, vertical: str = "legal", extra: str = "") -> None:
    folder = root / vertical
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(SUITE.format(name=name, vertical=vertical, extra=extra))


@pytest.fixture
def tasks(tmp_path: Path) -> Path:
    write(tmp_path, "quiz")
    write(tmp_path, "quiz-zero-shot", extra="variant_of: legal/quiz")
    write(tmp_path, "other")
    return tmp_path


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("legal/*", ["legal/other", "legal/quiz"]),
        ("legal", ["legal/other", "legal/quiz"]),
        ("kind:benchmark", ["legal/other", "legal/quiz"]),
        ("legal/quiz*", ["legal/quiz"]),
        ("legal/*-zero-shot", ["legal/quiz-zero-shot"]),
        ("*/*zero-shot", ["legal/quiz-zero-shot"]),
        ("legal/quiz-zero-shot", ["legal/quiz-zero-shot"]),
    ],
)
def test_patterns_select_a_variant_only_without_its_base(tasks: Path, pattern: str, expected: list[str]) -> None:
    chosen = select(discover(tasks), [pattern])

    assert sorted(suite.spec.id for suite in chosen) == expected


def test_base_and_variant_together(tasks: Path) -> None:
    chosen = select(discover(tasks), ["legal/*", "legal/quiz-zero-shot"])

    assert [suite.spec.id for suite in chosen] == ["legal/other", "legal/quiz", "legal/quiz-zero-shot"]


@pytest.mark.parametrize(
    "variant_of",
    ["legal/missing", "science/quiz", "legal/quiz-zero-shot"],
    ids=["missing", "other-vertical", "variant-of-variant"],
)
def test_variant_of_must_name_base_suite(tasks: Path, variant_of: str) -> None:
    write(tasks, "quiz", vertical="science")
    write(tasks, "bad", extra=f"variant_of: {variant_of}")

    with pytest.raises(SuiteError, match=f"variant_of names '{variant_of}'"):
        discover(tasks)
