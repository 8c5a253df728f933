"""Suites whose prompt comes from a file beside the data, as LegalBench ships `base_prompt.txt`."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.errors import DatasetError, SuiteError
from harness.suites import prompt_file
from harness.suites.items import Item
from harness.suites.loader import load_suite
from harness.suites.prompt import build_messages
from harness.suites.prompt_file import fill_slots
from harness.suites.registry import load_suite_file
from harness.suites.spec import PromptFile

BASE_PROMPT = "Is it a cat?\n\nQ: A dog barks. Is it a cat?\nA: No\n\nQ: {{text}} Is it a cat?\nA:"
ROWS = [{"id": "1", "text": "It purrs. ", "label": "Yes"}, {"id": "2", "text": "It moos.", "label": "No"}]

SUITE = """
name: cats
vertical: legal
kind: starter
description: two rows for the prompt file tests
source:
  local: {files: [data/rows.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  template_file: {local: data/base_prompt.txt, url: "https://example.invalid/base_prompt.txt"}
  template: "End with `Answer: Yes` or `Answer: No`.\\n\\n{{ prompt_file }}"
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
"""


def write_suite(root: Path, suite: str = SUITE, prompt: str = BASE_PROMPT) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    (root / "data" / "base_prompt.txt").write_text(prompt)
    path = root / "cats.yaml"
    path.write_text(suite)
    return path


def test_prompt_file_fills_the_item_into_its_slot(tmp_path: Path) -> None:
    suite = load_suite_file(write_suite(tmp_path / "legal"))
    loaded = load_suite(suite, None)

    messages = build_messages(loaded.spec, loaded.items[0])

    # The row's text goes in as written, trailing space included, as LegalBench fills its slots.
    assert messages == [{
        "role": "user",
        "content": "End with `Answer: Yes` or `Answer: No`.\n\n" + BASE_PROMPT.replace("{{text}}", "It purrs. "),
    }]
    assert all(item.prompt_file == BASE_PROMPT for item in loaded.items)


def test_changed_prompt_file_changes_the_fingerprint(tmp_path: Path) -> None:
    first = load_suite(load_suite_file(write_suite(tmp_path / "a" / "legal")), None)
    second = load_suite(load_suite_file(write_suite(tmp_path / "b" / "legal", prompt=BASE_PROMPT + " ")), None)

    assert first.fingerprint != second.fingerprint


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("Q: {{text}}\nA:", {"text": "x"}, "Q: x\nA:"),
        ("{{ text }} and {{text}}", {"text": "x"}, "x and x"),
        ("{{a}}-{{b}}", {"a": 1, "b": True}, "1-True"),
        ("no slots {here}", {"text": "x"}, "no slots {here}"),
        ("{{text}}", {"text": "{{label}}"}, "{{label}}"),
    ],
)
def test_fill_slots(text: str, row: dict[str, object], expected: str) -> None:
    assert fill_slots(text, row, suite_id="s", item_id="1") == expected


def test_fill_slots_names_a_missing_column() -> None:
    with pytest.raises(SuiteError, match=r"slot \{\{label\}\}.*item 7.*Columns present: \['text'\]"):
        fill_slots("{{label}}", {"text": "x"}, suite_id="s", item_id="7")


def test_missing_prompt_file_is_a_dataset_error(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "legal")
    (path.parent / "data" / "base_prompt.txt").unlink()

    with pytest.raises(DatasetError, match="cannot read its prompt file .*base_prompt.txt"):
        load_suite(load_suite_file(path), None)


def test_hub_source_fetches_the_url_and_reports_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = SUITE.replace("local: {files: [data/rows.jsonl], relative_to: suite}", "hub: {path: owner/cats}")
    spec = load_suite_file(write_suite(tmp_path / "legal", suite)).spec
    assert spec.prompt.template_file is not None
    requested: list[str] = []

    def reject(url: str, timeout: float) -> None:
        requested.append(url)
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(prompt_file.urllib.request, "urlopen", reject)
    with pytest.raises(DatasetError, match="cannot fetch its prompt file from https://example.invalid/base_prompt.txt.*--data-dir"):
        prompt_file.read_prompt_file(spec.prompt.template_file, None, spec.id)
    assert requested == ["https://example.invalid/base_prompt.txt"]


def test_local_only_prompt_file_needs_a_data_dir() -> None:
    with pytest.raises(DatasetError, match="only be read with a data dir"):
        prompt_file.read_prompt_file(PromptFile(local="x/base_prompt.txt"), None, "legal/x")


def test_item_without_prompt_file_text(tmp_path: Path) -> None:
    spec = load_suite_file(write_suite(tmp_path / "legal")).spec

    with pytest.raises(SuiteError, match="has no prompt file text"):
        build_messages(spec, Item(id="1", row=ROWS[0], reference="Yes"))


@pytest.mark.parametrize("fields", [{}, {"url": "http://example.invalid/x.txt"}])
def test_prompt_file_schema(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        PromptFile(**fields)
