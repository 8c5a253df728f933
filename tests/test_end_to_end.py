"""End-to-end runs against an OpenAI-compatible server on 127.0.0.1 with scripted replies.

Every figure checked here is worked out by hand in the comments from the scripted
replies, token counts and prices.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from harness.aggregate import aggregate
from harness.config import parse_config
from harness.run import RunOptions, resume_run, start_run
from harness.store.run_dir import RunDir
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

LEGAL_SUITE = """
name: mini-label
vertical: legal
kind: starter
description: four yes/no items for the end-to-end test
source:
  local: {files: [data/mini-label.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  template: "Q{{ item.id }}: {{ row.text }} End with 'Answer: Yes' or 'Answer: No'."
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
max_tokens: 32
"""

SCIENCE_SUITE = """
name: mini-choice
vertical: science
kind: starter
description: two multiple-choice items for the end-to-end test
source:
  local: {files: [data/mini-choice.jsonl], relative_to: suite}
fields: {id: id, reference: answer, choices: choices}
prompt:
  template: "Q{{ item.id }}: {{ row.question }}\\n{{ choices | lettered }}"
answer: {type: choice}
scorer: choice
max_tokens: 32
"""

LEGAL_ROWS = [{"id": f"L{n}", "text": f"statement {n}", "label": "Yes" if n % 2 else "No"} for n in range(1, 5)]
SCIENCE_ROWS = [
    {"id": "S1", "question": "Which is a gas at room temperature?", "choices": ["iron", "oxygen", "salt"], "answer": "B"},
    {"id": "S2", "question": "Which planet is closest to the Sun?", "choices": ["Venus", "Mars", "Mercury"], "answer": "C"},
]


def _write_tasks(root: Path) -> Path:
    for vertical, suite, name, rows in (
        ("legal", LEGAL_SUITE, "mini-label", LEGAL_ROWS),
        ("science", SCIENCE_SUITE, "mini-choice", SCIENCE_ROWS),
    ):
        folder = root / vertical
        (folder / "data").mkdir(parents=True)
        (folder / f"{name}.yaml").write_text(suite)
        (folder / "data" / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return root


def _config(api_base: str) -> dict[str, Any]:
    return {
        "name": "e2e",
        "models": [
            {"id": "spec", "model": "openai/spec", "api_base": api_base, "role": "specialized", "verticals": ["legal"],
             "price": {"input_per_million": 1.0, "output_per_million": 2.0, "source": "test price"}},
            {"id": "front", "model": "openai/front", "api_base": api_base, "role": "frontier",
             "price": {"input_per_million": 10.0, "output_per_million": 30.0, "source": "test price"}},
        ],
        "suites": ["legal/*", "science/*"],
        "run": {"retries": 2, "timeout_s": 10},
    }


class Script:
    """Scripted replies per (model, item id)."""

    def __init__(self) -> None:
        self.rate_limited_once = False
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        model = body["model"]
        item = re.search(r"Q(\w+):", body["messages"][-1]["content"]).group(1)
        with self.lock:
            if model == "front" and item == "L1" and not self.rate_limited_once:
                self.rate_limited_once = True
                return ScriptedReply(status=429, retry_after=0)
        reply = REPLIES[(model, item)]
        if reply == "HTTP400":
            return ScriptedReply(status=400)
        return ScriptedReply(content=reply, prompt_tokens=100, completion_tokens=20)


# spec: L1-L3 right, L4 wrong (3/4); front: L1, L2 right, L3, L4 wrong (2/4).
# science: spec gets a 400 on S1 (error) and S2 right; front S1 right and refuses S2.
REPLIES = {
    ("spec", "L1"): "It is hearsay.\nAnswer: Yes",
    ("spec", "L2"): "Answer: No",
    ("spec", "L3"): "**Answer: Yes**",
    ("spec", "L4"): "Answer: Yes",
    ("front", "L1"): "Yes.",
    ("front", "L2"): "First I thought Yes. Final answer: No",
    ("front", "L3"): "Answer: No",
    ("front", "L4"): "Answer: Yes",
    ("spec", "S1"): "HTTP400",
    ("spec", "S2"): "The answer is (C).",
    ("front", "S1"): "Answer: B",
    ("front", "S2"): "I'm sorry, I can't help with that.",
}


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _write_tasks(tmp_path / "tasks")
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    return root


def test_run_scores_and_prices_by_hand(tasks_dir: Path, tmp_path: Path) -> None:
    with FakeOpenAIServer(Script()) as server:
        outcome = start_run(parse_config(_config(server.api_base)), RunOptions(), tmp_path / "results")
        requests = list(server.requests)

    samples = list(outcome.run_dir.iter_samples())
    assert len(samples) == 12
    by_key = {(sample.model_id, sample.item_id): sample for sample in samples}
    assert by_key[("spec", "S1")].outcome == "error"
    assert by_key[("spec", "S1")].cost_usd is None
    assert by_key[("front", "S2")].outcome == "refused"
    assert by_key[("front", "L2")].outcome == "correct"
    assert by_key[("front", "L1")].attempts == 2
    assert len(requests) == 13  # 12 samples plus one retried 429

    # spec sample cost: (100 * $1 + 20 * $2) / 1e6 = $0.00014; front: (100 * $10 + 20 * $30) / 1e6 = $0.0016.
    assert by_key[("spec", "L1")].cost_usd == pytest.approx(0.00014)
    assert by_key[("front", "L1")].cost_usd == pytest.approx(0.0016)

    manifest = outcome.run_dir.read_manifest()
    assert manifest.status == "finished"
    assert manifest.prices["spec"].source == "config: test price"
    figures = aggregate(outcome.run_dir.iter_samples(), manifest)
    legal = next(c for c in figures.comparisons if c.vertical == "legal")
    assert legal.accuracy_specialized == pytest.approx(0.75)
    assert legal.accuracy_frontier == pytest.approx(0.5)
    assert legal.advantage_points == pytest.approx(25.0)
    assert legal.advantage_relative == pytest.approx(0.5)
    # $ per 1K tokens: spec 4 * 0.00014 / 480 * 1000 = 0.0011667; front 4 * 0.0016 / 480 * 1000 = 0.013333.
    assert legal.cost_per_1k_specialized == pytest.approx(0.00116667, rel=1e-4)
    assert legal.cost_per_1k_frontier == pytest.approx(0.0133333, rel=1e-4)
    assert legal.cost_differential == pytest.approx(-0.9125)
    # Correct per dollar: spec 3 / 0.00056 = 5357.14; front 2 / 0.0064 = 312.5; improvement 16.142857.
    assert legal.value_per_dollar_improvement == pytest.approx(16.142857, rel=1e-5)

    science_spec = figures.vertical_stats("spec", "science")
    assert science_spec is not None
    assert science_spec.answered == 1
    assert science_spec.accuracy == pytest.approx(1.0)
    science_front = figures.vertical_stats("front", "science")
    assert science_front is not None
    assert science_front.accuracy == pytest.approx(0.5)
    assert science_front.outcome_counts["refused"] == 1


class StopAfter(Exception):
    """Raised from the progress callback to interrupt a run part-way."""


def test_resume_requests_only_missing_samples(tasks_dir: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    seen: list[str] = []

    def interrupt_after_five(sample: Any) -> None:
        seen.append(sample.item_id)
        if len(seen) == 5:
            raise StopAfter()

    with FakeOpenAIServer(Script()) as server:
        config = parse_config(_config(server.api_base))
        with pytest.raises(StopAfter):
            start_run(config, RunOptions(), results, on_sample=interrupt_after_five)
        run_dir = next(path for path in results.iterdir())
        stored_first = {sample.key for sample in RunDir(run_dir).iter_samples()}
        assert RunDir(run_dir).read_manifest().status == "interrupted"
        calls_before = len(server.requests)

        outcome = resume_run(results, run_dir.name)
        resumed_bodies = server.requests[calls_before:]

    keys = [sample.key for sample in outcome.run_dir.iter_samples()]
    assert len(keys) == 12
    assert len(set(keys)) == 12
    assert outcome.skipped == len(stored_first)
    assert outcome.manifest.status == "finished"
    # No request of the resumed run asks for an item whose sample was already stored.
    for log in resumed_bodies:
        item = re.search(r"Q(\w+):", log.body["messages"][-1]["content"]).group(1)
        model = log.body["model"]
        assert not any(key[0] == model and key[2] == item for key in stored_first)


def test_cli_run_prints_summary_and_writes_reports(tasks_dir: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import yaml

    with FakeOpenAIServer(Script()) as server:
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(_config(server.api_base)))
        env = {**os.environ, "VERTICALBENCH_TASKS_DIR": str(tasks_dir)}
        completed = subprocess.run(
            [sys.executable, "-m", "harness.cli", "run", str(config_path), "--output-dir", str(tmp_path / "out")],
            capture_output=True, text=True, env=env, timeout=120,
        )
    assert completed.returncode == 0, completed.stderr
    run_id = re.search(r"run id:\s+(\S+)", completed.stdout).group(1)
    markdown = (tmp_path / "out" / "reports" / run_id / "report.md").read_text()
    html = (tmp_path / "out" / "reports" / run_id / "report.html").read_text()
    assert "legal" in completed.stdout
    assert "Give Feedback" not in completed.stdout + completed.stderr
    # The comparison row, from the hand-worked figures above: +50% relative, +25 points, -91.2% cost per 1K tokens.
    assert "| legal | spec | front | 4 | +50.0% | +25.0 pp" in markdown
    assert "| -91.2% |" in markdown
    assert "| legal | spec | $0.00117 | front | $0.0133 | +25.0 pp" in markdown
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
