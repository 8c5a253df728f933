"""Tests of the run index: built from stored run directories, rebuilt, kept in sync, and queried."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from harness.registry import (
    RegistryError,
    index_finished_run,
    index_path,
    index_run,
    list_runs,
    model_history,
    rebuild_index,
    sync_index,
)
from harness.store.run_dir import RunDir
from tests.compare.scenario import BASE_ID, NEW_ID, write_base, write_new
from tests.compare.stored_runs import Answer, write_run


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "results"
    write_base(path)
    write_new(path)
    return path


def table_rows(results: Path, query: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(index_path(results))
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def test_rebuild_indexes_every_run(results: Path) -> None:
    report = rebuild_index(results)
    assert report.rebuilt is True
    assert sorted(report.indexed) == [BASE_ID, NEW_ID]
    assert report.skipped == []
    runs = list_runs(results)
    assert [run.run_id for run in runs] == [BASE_ID, NEW_ID]
    base = runs[0]
    assert base.status == "finished"
    assert base.config_hash == "ab12" * 4
    assert base.samples == 44  # 24 samples of spec and 20 of front
    assert base.suites == ("legal/hearsay", "science/mmlu")


def test_models_carry_reported_versions(results: Path) -> None:
    rebuild_index(results)
    base, new = list_runs(results)
    spec = next(model for model in base.models if model.model_id == "spec")
    assert spec.model == "openai/spec"
    assert spec.role == "specialized"
    assert spec.response_models == ("spec-2025-01",)
    front = next(model for model in base.models if model.model_id == "front")
    assert front.response_models == ()
    assert [model.response_models for model in new.models] == [("spec-2025-06",)]


def test_figures_match_the_scenario(results: Path) -> None:
    rebuild_index(results)
    history = model_history(results, "spec")
    legal = [record for record in history if record.group == "legal"]
    assert [record.run_id for record in legal] == [BASE_ID, NEW_ID]
    # Base 18/20 correct; Wilson (0.6989663547715127, 0.9721335187862318) per statsmodels 0.15.0.
    assert legal[0].accuracy == pytest.approx(0.9)
    assert legal[0].accuracy_interval == (pytest.approx(0.6989663547715127, rel=1e-9),
                                          pytest.approx(0.9721335187862318, rel=1e-9))
    assert legal[0].cost_per_item == pytest.approx(0.001)
    assert legal[0].total_cost == pytest.approx(0.02)
    assert legal[1].accuracy == pytest.approx(0.5)
    assert legal[1].latency_p50 == pytest.approx(2.0)
    assert legal[1].response_models == ("spec-2025-06",)
    science_new = next(record for record in history if record.group == "science" and record.run_id == NEW_ID)
    # S3 is an error: 3 answered, 1 excluded, 3 correct, over the anatomy and astronomy subtasks.
    assert science_new.answered == 3
    assert science_new.excluded == 1
    assert science_new.accuracy == 1.0
    assert science_new.subtasks == 2


def test_history_by_suite_and_by_litellm_string(results: Path) -> None:
    rebuild_index(results)
    suites = model_history(results, "openai/spec", level="suite", group="science/mmlu")
    assert [record.run_id for record in suites] == [BASE_ID, NEW_ID]
    assert {record.group for record in suites} == {"science/mmlu"}


def test_deleted_index_is_rebuilt_by_sync(results: Path) -> None:
    rebuild_index(results)
    index_path(results).unlink()
    report = sync_index(results)
    assert report.rebuilt is True
    assert [run.run_id for run in list_runs(results)] == [BASE_ID, NEW_ID]


def test_sync_adds_new_runs_and_drops_deleted_ones(results: Path) -> None:
    rebuild_index(results)
    write_run(results, "20260301-000000-third-cccc", {"spec": [Answer("legal/hearsay", "L01", "correct")]},
              started_at="2026-03-01T00:00:00+00:00")
    report = sync_index(results)
    assert report.rebuilt is False
    assert report.indexed == ["20260301-000000-third-cccc"]
    shutil.rmtree(results / BASE_ID)
    report = sync_index(results)
    assert report.removed == [BASE_ID]
    assert [run.run_id for run in list_runs(results)] == [NEW_ID, "20260301-000000-third-cccc"]


def test_sync_skips_unchanged_runs(results: Path) -> None:
    rebuild_index(results)
    assert sync_index(results).indexed == []


def test_sync_reindexes_a_changed_run(results: Path) -> None:
    rebuild_index(results)
    run_dir = RunDir(results / NEW_ID)
    manifest = run_dir.read_manifest()
    manifest.status = "interrupted"
    run_dir.write_manifest(manifest)
    assert sync_index(results).indexed == [NEW_ID]
    assert [run.status for run in list_runs(results)] == ["finished", "interrupted"]
    # History leaves unfinished runs out unless asked.
    assert {record.run_id for record in model_history(results, "spec")} == {BASE_ID}
    assert {record.run_id for record in model_history(results, "spec", finished_only=False)} == {BASE_ID, NEW_ID}


def test_corrupt_run_is_skipped(results: Path) -> None:
    with (results / NEW_ID / "samples.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json}\n")
    report = rebuild_index(results)
    assert report.indexed == [BASE_ID]
    assert report.skipped[0][0] == NEW_ID
    assert "corrupt" in report.skipped[0][1]


def test_outdated_schema_is_rebuilt(results: Path) -> None:
    rebuild_index(results)
    connection = sqlite3.connect(index_path(results))
    connection.execute("PRAGMA user_version = 0")
    connection.close()
    assert sync_index(results).rebuilt is True


def test_unreadable_index_is_rebuilt(results: Path) -> None:
    index_path(results).write_bytes(b"this is not an SQLite database, just some text" * 20)
    assert sync_index(results).rebuilt is True
    assert len(list_runs(results)) == 2


def test_index_run_adds_one_run(results: Path) -> None:
    rebuild_index(results)
    run_dir = write_run(results, "20260401-000000-fourth-dddd", {"spec": [Answer("legal/hearsay", "L01", "incorrect")]},
                        started_at="2026-04-01T00:00:00+00:00")
    assert index_run(run_dir).indexed == ["20260401-000000-fourth-dddd"]
    rows = table_rows(results, "SELECT run_id, accuracy FROM figures WHERE level = 'vertical' AND run_id LIKE '%fourth%'")
    assert [(row["run_id"], row["accuracy"]) for row in rows] == [("20260401-000000-fourth-dddd", 0.0)]


def test_index_run_without_index_builds_it(results: Path) -> None:
    report = index_run(RunDir(results / NEW_ID))
    assert report.rebuilt is True
    assert index_path(results).is_file()


def test_finished_run_hook_logs_instead_of_raising(results: Path, caplog: pytest.LogCaptureFixture) -> None:
    rebuild_index(results)
    (results / NEW_ID / "samples.jsonl").write_text("{broken}\n", encoding="utf-8")
    index_finished_run(RunDir(results / NEW_ID))
    assert "was not added to the run index" in caplog.text


def test_missing_results_directory(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not found"):
        sync_index(tmp_path / "nowhere")


def test_response_models_stored_as_json(results: Path) -> None:
    rebuild_index(results)
    rows = table_rows(results, f"SELECT response_models FROM run_models WHERE run_id = '{NEW_ID}'")
    assert json.loads(rows[0]["response_models"]) == ["spec-2025-06"]
