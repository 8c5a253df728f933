"""The hub path of each public suite gives the same items and prompts as its local copy.

Hub downloads are not possible in tests, so each local row is reshaped into the hub copy's
columns, as the dataset cards describe them, and fed through the hub path of the loader.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.suites import loader, prompt_file
from harness.suites.loader import load_suite
from harness.suites.prompt import build_messages
from tests.suites.test_suite_files import LOCAL_ONLY_SUITES, PUBLIC_SUITES, data_dir, load_local, suites  # noqa: F401 (fixture)


def to_hub_row(hub_path: str, row: dict[str, Any]) -> dict[str, Any]:
    """Reshape a local row into the columns of the hub copy `hub_path`."""
    if hub_path == "cais/mmlu":
        return {"question": row["question"], "subject": row["subject"], "choices": row["choices"], "answer": row["answer_index"]}
    if hub_path == "allenai/ai2_arc":
        return {
            "id": row["id"],
            "question": row["question"],
            "choices": {"text": row["choices"], "label": row["original_labels"]},
            "answerKey": row["original_answerKey"],
        }
    if hub_path == "openai/gsm8k":
        return {"question": row["question"], "answer": row["answer"]}
    if hub_path == "nguha/legalbench":
        hub_row = {key: value for key, value in row.items() if key not in ("task", "label")}
        hub_row["answer"] = row["label"]
        return hub_row
    if hub_path == "qiaojin/PubMedQA":
        return {
            "pubid": int(row["pubid"]),
            "question": row["question"],
            "context": {
                "contexts": row["contexts"],
                "labels": row["context_labels"],
                "meshes": row["meshes"],
                "reasoning_required_pred": row["reasoning_required_pred"],
                "reasoning_free_pred": row["reasoning_free_pred"],
            },
            "long_answer": row["long_answer"],
            "final_decision": row["final_decision"],
        }
    if hub_path in ("openai/openai_humaneval", "google-research-datasets/mbpp", "google/IFEval"):
        return dict(row)
    raise AssertionError(f"no hub layout known for {hub_path}; add one to to_hub_row")


@pytest.mark.parametrize("suite_id", [suite_id for suite_id in PUBLIC_SUITES if suite_id not in LOCAL_ONLY_SUITES])
def test_hub_mapping_matches_local(suite_id, data_dir, monkeypatch):
    suite = suites()[suite_id]
    spec = suite.spec
    hub = spec.source.hub
    assert hub is not None
    local = load_local(suite_id, data_dir)
    main_rows = [to_hub_row(hub.path, dict(item.row)) for item in local.items]
    fewshot_rows = [to_hub_row(hub.path, dict(row)) for row in (local.items[0].fewshot if local.items else ())]
    requests: list[tuple[str, str | None, str]] = []

    def fake_load_hub(path, name, split, revision, suite_name):
        requests.append((path, name, split))
        if spec.prompt.fewshot is not None and split == spec.prompt.fewshot.hub_split and split != hub.split:
            return fewshot_rows
        return main_rows

    fetched: list[str] = []

    def fake_fetch(url, suite_name):
        fetched.append(url)
        assert spec.prompt.template_file is not None and spec.prompt.template_file.local is not None
        return (data_dir / spec.prompt.template_file.local).read_text(encoding="utf-8")

    monkeypatch.setattr(loader, "_load_hub", fake_load_hub)
    monkeypatch.setattr(prompt_file, "_fetch", fake_fetch)
    from_hub = load_suite(suite, None)

    assert requests[0] == (hub.path, hub.name, hub.split)
    if spec.prompt.template_file is not None:
        assert fetched == [spec.prompt.template_file.url]
    assert from_hub.source.startswith("hub:")
    assert len(from_hub.items) == len(local.items)
    for hub_item, local_item in zip(from_hub.items, local.items):
        assert hub_item.id == local_item.id
        assert hub_item.reference == local_item.reference
        assert hub_item.choices == local_item.choices
        assert build_messages(spec, hub_item) == build_messages(spec, local_item)
