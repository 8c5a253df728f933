"""Local JSON Lines rows are read directly, and must equal what the `datasets` JSON loader returns.

Suites that ran before the direct reader keep their fingerprint only if the rows are the same,
so the comparison runs over every local data file of the public suites and the starter suites.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import DatasetError
from harness.suites.loader import _load_json_files
from tests.suites.test_suite_files import REPO, data_dir


def _datasets_rows(files: list[str]) -> list[dict[str, object]]:
    import datasets

    datasets.disable_progress_bars()
    return [dict(row) for row in datasets.load_dataset("json", data_files=files, split="train")]


def _write(path: Path, rows: list[object]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_missing_columns_are_none_like_datasets(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", [{"id": 1, "question": "q1", "meta": {"x": 1}}, {"id": 2, "question": "q2"},
                                         {"id": 3, "answer": "yes"}])
    path_text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text("\n" + path_text + "   \n", encoding="utf-8")

    rows = _load_json_files([path], "demo/suite")

    assert [row["id"] for row in rows] == [1, 2, 3]
    assert rows[1] == {"id": 2, "question": "q2", "meta": None, "answer": None}
    assert rows[2]["question"] is None
    assert rows == _datasets_rows([path])


def test_files_are_read_in_order(tmp_path: Path) -> None:
    first = _write(tmp_path / "b.jsonl", [{"id": "b1"}, {"id": "b2"}])
    second = _write(tmp_path / "a.jsonl", [{"id": "a1", "note": "only here"}])

    rows = _load_json_files([first, second], "demo/suite")

    # `datasets` refuses files whose columns differ; the direct reader fills the gap with None.
    assert rows == [{"id": "b1", "note": None}, {"id": "b2", "note": None}, {"id": "a1", "note": "only here"}]


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 2 is not valid JSON"),
    ("[1, 2]", "line 2 must be a JSON object, got list"),
])
def test_bad_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": 1}\n' + line + "\n", encoding="utf-8")

    with pytest.raises(DatasetError, match=message) as caught:
        _load_json_files([str(path)], "demo/suite")

    assert str(path) in str(caught.value)
    assert "demo/suite" in str(caught.value)


def test_starter_files_match_datasets() -> None:
    files = sorted(str(path) for path in (REPO / "tasks").rglob("*.jsonl"))
    assert files, "the starter suites ship their rows as JSON Lines"

    for path in files:
        assert _load_json_files([path], "starter") == _datasets_rows([path]), path


def test_public_data_files_match_datasets(data_dir: Path) -> None:
    files = sorted(str(path) for path in data_dir.rglob("*.jsonl"))
    assert len(files) > 20

    for path in files:
        assert _load_json_files([path], "public") == _datasets_rows([path]), path
