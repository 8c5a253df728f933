"""Every row of the IFEval data set is supported and its kwargs are accepted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.scoring.ifeval import SUPPORTED_INSTRUCTIONS, evaluate_response

ROWS = 541


def data_file() -> Path:
    """Locate ``ifeval/input_data.jsonl`` or skip the test with the reason."""
    override = os.environ.get("VERTICALBENCH_DATA_DIR")
    data_dir = (
        Path(override)
        if override
        else Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
    )
    path = data_dir / "ifeval" / "input_data.jsonl"
    if not path.is_file():
        pytest.skip(
            f"IFEval data not found at {path}; set VERTICALBENCH_DATA_DIR to the data directory"
        )
    return path


def load_rows() -> list[dict]:
    with data_file().open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_every_row_is_supported_and_accepted() -> None:
    rows = load_rows()

    assert len(rows) == ROWS
    for row in rows:
        ids = row["instruction_id_list"]
        assert set(ids) <= SUPPORTED_INSTRUCTIONS, row["key"]

        result = evaluate_response("ok", ids, row["kwargs"], prompt=row["prompt"])

        assert result.unsupported == (), row["key"]
        assert len(result.instructions) == len(ids), row["key"]
        assert result.prompt_strict is not None, row["key"]


def test_data_set_uses_all_supported_ids() -> None:
    used = {instruction_id for row in load_rows() for instruction_id in row["instruction_id_list"]}

    assert used == SUPPORTED_INSTRUCTIONS
