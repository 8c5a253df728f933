"""Live routing against two OpenAI-compatible servers on 127.0.0.1, one of them failing with HTTP 500.

Suites (legal: L1-L4, science: S1-S2) come from the end-to-end test. 'small' (specialized in
legal) sits on a server that answers every request with a 500; 'big' (frontier) answers
correctly. With retries off, max_concurrency 1 for 'small' (so its items run in order) and a
circuit that opens after 2 failed calls:

L1, L2  table -> small: 500, fall back to big (the circuit opens after L2's failure)
L3, L4  small skipped (circuit open), straight to big
S1, S2  science is not in the table, so the generalist big answers
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from harness.config import parse_config
from harness.routing.live_report import live_items, simulate_live_policy, summarise_live
from harness.run import RunOptions, start_run
from harness.store.records import Sample
from harness.store.run_dir import RunDir
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply
from tests.test_end_to_end import tasks_dir  # noqa: F401  (the fixture writing the mini suites)

ANSWERS = {"L1": "Answer: Yes", "L2": "Answer: No", "L3": "Answer: Yes", "L4": "Answer: No", "S1": "Answer: B", "S2": "Answer: C"}


def failing(body: dict[str, Any]) -> ScriptedReply:
    return ScriptedReply(status=500)


def answering(body: dict[str, Any]) -> ScriptedReply:
    item = re.search(r"Q(\w+):", body["messages"][-1]["content"]).group(1)
    return ScriptedReply(content=ANSWERS[item], prompt_tokens=100, completion_tokens=10)


def config(small_base: str, big_base: str, router: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "live-route",
        "models": [
            {"id": "small", "model": "openai/small", "api_base": small_base, "role": "specialized", "verticals": ["legal"],
             "max_concurrency": 1, "price": {"input_per_million": 1.0, "output_per_million": 2.0, "source": "test price"}},
            {"id": "big", "model": "openai/big", "api_base": big_base, "role": "frontier",
             "price": {"input_per_million": 10.0, "output_per_million": 30.0, "source": "test price"}},
        ],
        "suites": ["legal/*", "science/*"],
        "run": {"retries": 0, "timeout_s": 10},
    }
    if router is not None:
        data["router"] = router
    return data


TABLE_ROUTER = {"kind": "table", "table": {"legal": "small"}, "generalist": "big", "circuit_errors": 2, "circuit_cooldown_s": 600}


def by_item(samples: list[Sample]) -> dict[str, list[Sample]]:
    grouped: dict[str, list[Sample]] = {}
    for sample in sorted(samples, key=lambda s: (s.item_id, s.route["step"] if s.route else 0)):
        grouped.setdefault(sample.item_id, []).append(sample)
    return grouped


@pytest.fixture()
def live_run(tasks_dir: Path, tmp_path: Path):  # noqa: F811
    with FakeOpenAIServer(failing, model_name="small") as small, FakeOpenAIServer(answering, model_name="big") as big:
        outcome = start_run(parse_config(config(small.api_base, big.api_base, TABLE_ROUTER)), RunOptions(cache="off"),
                            tmp_path / "results")
        small_calls, big_calls = len(small.requests), len(big.requests)
    return outcome, small_calls, big_calls


def test_live_run_calls_only_routed_models(live_run) -> None:
    outcome, small_calls, big_calls = live_run
    assert small_calls == 2  # L1 and L2; the open circuit spares L3 and L4
    assert big_calls == 6
    assert outcome.manifest.status == "finished"
    assert len(list(outcome.run_dir.iter_samples())) == 8


def test_live_fallback_route_records(live_run) -> None:
    outcome, _, _ = live_run
    items = by_item(list(outcome.run_dir.iter_samples()))
    first, second = items["L1"]
    assert (first.model_id, first.outcome) == ("small", "error")
    assert first.route["reason"] == "table: legal -> small"
    assert first.route["decision"] == "fallback"
    assert first.route["final"] is False
    assert (second.model_id, second.outcome) == ("big", "correct")
    assert second.route["step"] == 1
    assert second.route["reason"] == "fallback from small: the call failed"
    assert second.route["final"] is True


def test_live_open_circuit_skips_model(live_run) -> None:
    outcome, _, _ = live_run
    items = by_item(list(outcome.run_dir.iter_samples()))
    for item in ("L3", "L4"):
        (only,) = items[item]
        assert only.model_id == "big"
        assert only.route["skipped"] == [{"model": "small", "reason": "circuit open"}]
        assert only.route["reason"] == "small skipped: circuit open"
        assert only.route["final"] is True


def test_live_generalist_for_untabled_vertical(live_run) -> None:
    outcome, _, _ = live_run
    items = by_item(list(outcome.run_dir.iter_samples()))
    (only,) = items["S1"]
    assert only.model_id == "big"
    assert only.route["reason"] == "table: science not in the table -> big"
    assert only.route["decision"] == "accept"


def test_live_summary_figures(live_run) -> None:
    outcome, _, _ = live_run
    summary = summarise_live(outcome.run_dir.iter_samples(), outcome.manifest)
    # Every item ends on big and is right; cost = 6 x (100 x $10 + 10 x $30) / 1e6 = 6 x $0.0013; failed calls cost $0.
    assert summary.point.items == 6
    assert summary.point.accuracy == pytest.approx(1.0)
    assert summary.point.total_cost == pytest.approx(0.0078)
    assert summary.point.shares == {"small": pytest.approx(2 / 6), "big": pytest.approx(1.0)}
    assert summary.decisions == {"accept": 6, "fallback": 2}
    assert summary.skipped == 2


def test_live_matches_simulation(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    """The table policy replayed on a full run of the same servers ends every item on the same model."""
    results = tmp_path / "results"
    with FakeOpenAIServer(failing, model_name="small") as small, FakeOpenAIServer(answering, model_name="big") as big:
        full = start_run(parse_config(config(small.api_base, big.api_base, None)), RunOptions(cache="off"), results)
        live = start_run(parse_config(config(small.api_base, big.api_base, TABLE_ROUTER)), RunOptions(cache="off"), results)
    point, matched, compared = simulate_live_policy(live.run_dir.iter_samples(), live.manifest, full.run_dir.iter_samples(),
                                                    full.manifest)
    assert (matched, compared) == (6, 6)
    assert point.accuracy == pytest.approx(1.0)
    assert point.total_cost == pytest.approx(0.0078)
    assert len(live_items(live.run_dir.iter_samples())) == 6


# One server for both models: 'small' states its answer on L1 and S1 but only says 'No.' on L2
# (confidence 0.5), 'big' always states the right answer.
SMALL_REPLIES = {"L1": "Answer: Yes", "L2": "No.", "L3": "Answer: Yes", "L4": "Answer: No", "S1": "Answer: A", "S2": "Answer: C"}


def by_model(body: dict[str, Any]) -> ScriptedReply:
    item = re.search(r"Q(\w+):", body["messages"][-1]["content"]).group(1)
    content = SMALL_REPLIES[item] if body["model"] == "small" else ANSWERS[item]
    return ScriptedReply(content=content, prompt_tokens=100, completion_tokens=10)


def _run_one_server(tmp_path: Path, router: dict[str, Any]) -> tuple[dict[str, list[Sample]], int]:
    with FakeOpenAIServer(by_model) as server:
        outcome = start_run(parse_config(config(server.api_base, server.api_base, router)), RunOptions(cache="off"),
                            tmp_path / "results")
        calls = len(server.requests)
    return by_item(list(outcome.run_dir.iter_samples())), calls


def test_live_cascade_escalates_low_confidence(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    items, calls = _run_one_server(tmp_path, {"kind": "cascade", "chain": ["small", "big"], "confidence_threshold": 0.75})
    assert calls == 7  # six items on small, L2 again on big
    small, big = items["L2"]
    assert small.route["decision"] == "escalate"
    assert small.route["decision_reason"] == "confidence 0.50 < 0.75"
    assert small.route["confidence"] == 0.5
    assert big.route["reason"] == "escalate from small: confidence 0.50 < 0.75"
    assert big.route["final"] is True
    (science,) = items["S1"]  # a confident wrong answer is kept
    assert (science.model_id, science.outcome, science.route["final"]) == ("small", "incorrect", True)


def test_live_review_flags_instead(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    router = {"kind": "cascade", "chain": ["small", "big"], "confidence_threshold": 0.75, "on_low_confidence": "review"}
    items, calls = _run_one_server(tmp_path, router)
    assert calls == 6
    (only,) = items["L2"]
    assert only.route["decision"] == "review"
    assert only.route["review"] is True
    assert only.route["final"] is True


def test_live_keyword_classifier_route(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    router = {"kind": "classifier", "classifier": "keyword", "table": {"legal": "small"}, "generalist": "big",
              "classifier_cost_usd": 0.0001}
    items, _ = _run_one_server(tmp_path, router)
    (science,) = items["S1"]  # "Which is a gas at room temperature?": the science keywords 'gas' and 'temperature'
    assert science.model_id == "big"
    assert science.route["classified"]["label"] == "science"
    assert science.route["reason"].endswith("a vertical without a table entry -> generalist big")
    assert science.route["classifier_cost_usd"] == 0.0001


class StopAfterFirst(Exception):
    """Raised from the progress callback to interrupt the run after small's first stored sample."""


def test_live_resume_reuses_stored_step(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from harness.run import resume_run

    results = tmp_path / "results"

    def stop(sample: Sample) -> None:
        if sample.model_id == "small":  # big's science items may finish first; stop on small's first failure
            raise StopAfterFirst()

    with FakeOpenAIServer(failing, model_name="small") as small, FakeOpenAIServer(answering, model_name="big") as big:
        router = {**TABLE_ROUTER, "circuit_errors": 10}
        with pytest.raises(StopAfterFirst):
            start_run(parse_config(config(small.api_base, big.api_base, router)), RunOptions(cache="off"), results, on_sample=stop)
        run_id = next(results.iterdir()).name
        first = list(RunDir(results / run_id).iter_samples())
        small_before = len(small.requests)
        outcome = resume_run(results, run_id)
        small_after = len(small.requests)
    # The science items' workers on big may also have stored their samples before the run stopped.
    (stored_step,) = [s for s in first if s.model_id == "small"]
    assert stored_step.route["final"] is False
    items = by_item(list(outcome.run_dir.iter_samples()))
    assert [s.model_id for s in items[stored_step.item_id]] == ["small", "big"]  # the stored failure is not repeated
    assert small_after - small_before == 3  # the other three legal items
    assert all(steps[-1].route["final"] for steps in items.values())


def test_route_command_on_live_run(tasks_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from click.testing import CliRunner

    from harness.cli import main

    results = tmp_path / "results"
    with FakeOpenAIServer(failing, model_name="small") as small, FakeOpenAIServer(answering, model_name="big") as big:
        full = start_run(parse_config(config(small.api_base, big.api_base, None)), RunOptions(cache="off"), results)
        live = start_run(parse_config(config(small.api_base, big.api_base, TABLE_ROUTER)), RunOptions(cache="off"), results)
    result = CliRunner().invoke(main, ["route", live.run_dir.run_id, "--baseline", full.run_dir.run_id,
                                       "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"live routed run {live.run_dir.run_id}: 6 finished item(s)" in result.output
    assert "decisions: accept 6, fallback 2; models skipped with an open circuit: 2" in result.output
    assert "same final model as the simulation: 6/6 item(s)" in result.output
