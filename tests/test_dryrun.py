"""`run --dry-run`: tokens and dollars before anything is spent, and the estimate set against the actual."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import main
from harness.config import ModelConfig, parse_config
from harness.estimate import tokens
from harness.estimate.dryrun import dry_run
from harness.estimate.tokens import CHARACTERS, choose_tokenizer, count_prompt_tokens
from harness.run import RunOptions, start_run
from harness.store.records import PriceSnapshot, Usage
from harness.store.run_dir import RunDir, SampleWriter
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

SUITE = """
name: mini
vertical: legal
kind: starter
description: three yes/no items for the dry-run test
source:
  local: {files: [data/mini.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  template: "Q{{ item.id }}: {{ row.text }} End with 'Answer: Yes' or 'Answer: No'."
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
max_tokens: 40
"""
ROWS = [{"id": f"L{n}", "text": f"statement number {n} " * n, "label": "Yes"} for n in range(1, 4)]
CLOSED_PORT = "http://127.0.0.1:9/v1"
"""Port 9 (discard) has no listener here: any request to it would fail the run, not reach a model."""


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tasks" / "legal"
    (folder / "data").mkdir(parents=True)
    (folder / "mini.yaml").write_text(SUITE)
    (folder / "data" / "mini.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(tmp_path / "tasks"))
    return tmp_path / "tasks"


def config(api_base: str = CLOSED_PORT, **run: Any) -> dict[str, Any]:
    return {
        "name": "dry",
        "models": [
            {"id": "spec", "model": "openai/spec", "api_base": api_base, "role": "specialized", "verticals": ["legal"],
             "price": {"input_per_million": 1.0, "output_per_million": 2.0, "source": "test price"}},
            {"id": "front", "model": "openai/front", "api_base": api_base, "role": "frontier", "api_key_env": "DRY_RUN_UNSET_KEY",
             "params": {"max_tokens": 100}},
            {"id": "local", "model": "openai/local", "role": "frontier", "local": {"weights": "smollm2-135m-instruct"},
             "price": {"compute": {"hourly_usd": 0.05, "source": "test rate"}}},
        ],
        "suites": ["legal/*"],
        "run": run,
    }


@pytest.fixture()
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a dry run must not start a local model server")

    monkeypatch.setattr("harness.local.server.start_server", fail)


def test_dry_run_counts_every_request(tasks_dir: Path, tmp_path: Path, no_server: None) -> None:
    import litellm

    result = dry_run(parse_config(config()), RunOptions(), tmp_path / "results")
    rows = {row.model_id: row for row in result.estimate.rows}
    assert result.requests == 9
    assert set(rows) == {"spec", "front", "local"}
    assert result.missing_keys == ["DRY_RUN_UNSET_KEY"]
    # Custom endpoints: LiteLLM's default encoding, stated as an approximation.
    expected_prompt = sum(
        litellm.token_counter(model="", messages=[{"role": "user", "content":
                              f"Q{row['id']}: {row['text']} End with 'Answer: Yes' or 'Answer: No'."}])
        for row in ROWS
    )
    spec = rows["spec"]
    assert spec.prompt_tokens == expected_prompt
    assert spec.approximate and "cl100k_base" in spec.tokenizer
    assert spec.output_bound == 3 * 40
    assert spec.output_expected == 120
    assert spec.cost_bound == pytest.approx((expected_prompt * 1.0 + 120 * 2.0) / 1e6)
    assert rows["front"].output_bound == 300  # the model's own max_tokens wins over the suite's
    # front has no price (custom endpoint); local is priced by compute time only once its server runs.
    assert not rows["front"].priced
    assert rows["front"].cost_expected is None
    assert "measured when its server starts" in result.estimate.prices["local"]
    assert result.estimate.unpriced_requests() == 6


def test_earlier_runs_give_the_expected_output(tasks_dir: Path, tmp_path: Path, no_server: None) -> None:
    results = tmp_path / "results"
    first = dry_run(parse_config(config()), RunOptions(), results)
    assert first.estimate.rows[0].output_basis.startswith("max_tokens")
    _store_earlier_run(results, output_tokens=[10, 20, 60])

    second = dry_run(parse_config(config()), RunOptions(), results)
    spec = next(row for row in second.estimate.rows if row.model_id == "spec")
    # Mean 30 tokens over 3 samples, below max_tokens (40), so 3 requests x 30.
    assert spec.output_expected == 90
    assert spec.output_basis == "measured: mean 30.0 tokens over 3 samples in 1 earlier run(s)"
    assert spec.cost_expected == pytest.approx((spec.prompt_tokens * 1.0 + 90 * 2.0) / 1e6)


def test_local_model_uses_an_earlier_calibration(tasks_dir: Path, tmp_path: Path, no_server: None) -> None:
    results = tmp_path / "results"
    calibrated = PriceSnapshot(model_id="local", priced=True, input_per_million=0.5, output_per_million=4.0,
                               source="compute", origin="compute")
    _store_earlier_run(results, output_tokens=[], prices={"local": calibrated})
    local = next(row for row in dry_run(parse_config(config()), RunOptions(), results).estimate.rows
                 if row.model_id == "local")
    assert local.priced
    assert local.cost_bound == pytest.approx((local.prompt_tokens * 0.5 + 120 * 4.0) / 1e6)

    # Another hourly rate is another price: the earlier calibration does not apply.
    changed = config()
    changed["models"][2]["price"]["compute"]["hourly_usd"] = 0.10
    other = dry_run(parse_config(changed), RunOptions(), results)
    assert "measured when its server starts" in other.estimate.prices["local"]


def _store_earlier_run(results: Path, output_tokens: list[int], prices: dict[str, PriceSnapshot] | None = None) -> None:
    from harness.store.records import Manifest, Sample

    run_dir = RunDir.create(results, "20260101-000000-earlier-0000")
    run_dir.write_manifest(Manifest(run_id=run_dir.run_id, name="earlier", config=config(), config_hash="0" * 16,
                                    prices=prices or {}, started_at="2026-01-01T00:00:00+00:00", status="finished"))
    with SampleWriter(run_dir) as writer:
        for index, count in enumerate(output_tokens):
            writer.write(Sample(run_id=run_dir.run_id, model_id="spec", suite="legal/mini", vertical="legal",
                                item_id=f"L{index}", messages=[], outcome="correct", started_at="2026-01-01T00:00:00+00:00",
                                usage=Usage(input_tokens=50, output_tokens=count)))


def test_cli_dry_run_prints_bill(tasks_dir: Path, tmp_path: Path, no_server: None) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config()))
    result = CliRunner().invoke(main, ["run", str(path), "--dry-run", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "9 requests to 3 model(s) on 1 suite(s); no model is called" in out
    assert re.search(r"^spec\s+legal/mini\s+3\s+\d+\s+120\s+120\s+\$", out, flags=re.MULTILINE)
    assert "(excludes 6 requests of unpriced models)" in out
    assert "prompt tokens by approximation: tiktoken cl100k_base" in out
    assert "$DRY_RUN_UNSET_KEY is not set" in out
    assert not (tmp_path / "results").exists()


def test_report_estimate_against_actual(tasks_dir: Path, tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> ScriptedReply:
        return ScriptedReply(content="Answer: Yes", prompt_tokens=30, completion_tokens=8)

    with FakeOpenAIServer(reply) as server:
        cfg = config(server.api_base)
        cfg["models"] = cfg["models"][:1] + [{**cfg["models"][1], "api_key_env": None}]
        outcome = start_run(parse_config(cfg), RunOptions(), tmp_path / "results")
    estimate = outcome.run_dir.read_manifest().cost_analysis["estimate"]
    assert {row["model_id"] for row in estimate["rows"]} == {"spec", "front"}

    from harness.commands.report_command import render_run_reports

    paths, _ = render_run_reports(outcome.run_dir, tmp_path / "reports")
    section = paths.markdown.read_text().split("### Estimate against actual")[1].split("###")[0]
    # spec: 3 requests, actual 3 x 30 input and 3 x 8 output tokens = $0.000138 against the estimate.
    row = next(line for line in section.splitlines() if line.startswith("| spec | legal/mini |"))
    assert "| 3 / 3 |" in row
    assert "/ 90 |" in row
    assert "120 / 24 |" in row
    assert "/ $0.000138 |" in row


def test_tokenizer_choice() -> None:
    def choice(**fields: Any) -> tokens.Tokenizer:
        return choose_tokenizer(ModelConfig.model_validate({"id": "m", "role": "frontier", **fields}))

    exact = choice(model="openai/gpt-4o")
    assert (exact.label, exact.approximate, exact.litellm_model) == ("tiktoken o200k_base (LiteLLM)", False, "gpt-4o")
    assert choice(model="gpt-4").label == "tiktoken cl100k_base (LiteLLM)"
    assert choice(model="anthropic/claude-sonnet-4-5").approximate
    # LiteLLM would download a Llama 3 tokenizer; the dry run uses its default encoding instead.
    assert choice(model="groq/llama-3.1-8b-instant").litellm_model == ""
    assert choice(model="openai/gpt-4o", api_base=CLOSED_PORT).approximate


def test_counting_falls_back_to_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    import litellm

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("no tokenizer")

    monkeypatch.setattr(litellm, "token_counter", broken)
    count, used = count_prompt_tokens(choose_tokenizer(ModelConfig(id="m", model="gpt-4o", role="frontier")),
                                      [{"role": "user", "content": "x" * 41}])
    assert (count, used) == (11, CHARACTERS)
