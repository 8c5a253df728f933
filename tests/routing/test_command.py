"""`verticalbench route` on stored runs, and the `router` section of a run config."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.config import parse_config
from harness.errors import ConfigError
from harness.store.run_dir import RunDir
from tests.routing import scenario


@pytest.fixture()
def output_dir(tmp_path: Path) -> Path:
    run_dir = RunDir.create(tmp_path / "results", scenario.RUN)
    run_dir.write_manifest(scenario.manifest())
    run_dir.samples_path.write_text("".join(sample.model_dump_json() + "\n" for sample in scenario.samples()))
    return tmp_path


def test_route_prints_and_saves(output_dir: Path) -> None:
    result = CliRunner().invoke(main, ["route", scenario.RUN, "--output-dir", str(output_dir), "--classifier", "keyword",
                                       "--constraints", "min_accuracy=0.6,max_cost_per_query=0.008"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "run 20260301-000000-route-abcd: 6 items answered by small, big" in lines
    assert any(line.startswith("cascade:small>big") and "66.7% (4/6)" in line and "$0.0075" in line for line in lines)
    assert any(line.startswith("all ") and "table" in line for line in lines)
    stored = RunDir(output_dir / "results" / scenario.RUN).read_manifest().routing
    assert stored["items"] == 6
    assert stored["constraints"]["min_accuracy"] == 0.6
    report = (output_dir / "reports" / scenario.RUN / "report.md").read_text()
    assert "### Chosen policy" in report


def test_route_no_save_keeps_manifest(output_dir: Path) -> None:
    result = CliRunner().invoke(main, ["route", scenario.RUN, "--output-dir", str(output_dir), "--classifier", "keyword",
                                       "--policy", "fixed:big", "--no-save"])
    assert result.exit_code == 0, result.output
    assert RunDir(output_dir / "results" / scenario.RUN).read_manifest().routing == {}
    assert not (output_dir / "reports").exists()


def test_route_reports_bad_policy(output_dir: Path) -> None:
    result = CliRunner().invoke(main, ["route", scenario.RUN, "--output-dir", str(output_dir), "--policy", "fixed:ghost"])
    assert result.exit_code == 2
    assert "names ghost" in result.output


def _config(router: dict | None) -> dict:
    data = {
        "models": [{"id": "a", "model": "openai/a", "role": "frontier"},
                   {"id": "b", "model": "openai/b", "role": "specialized", "verticals": ["legal"]}],
        "suites": ["legal/*"],
    }
    if router is not None:
        data["router"] = router
    return data


def test_config_without_router_dumps_as_before() -> None:
    config = parse_config(_config(None))
    assert config.router is None
    assert "router" not in config.model_dump(mode="json")


def test_config_router_round_trips() -> None:
    config = parse_config(_config({"kind": "cascade", "chain": ["b", "a"], "confidence_threshold": 0.5}))
    again = parse_config(config.model_dump(mode="json"))
    assert again.router == config.router
    assert again.fingerprint() == config.fingerprint()


def test_config_router_unknown_model() -> None:
    with pytest.raises(ConfigError, match="router names model"):
        parse_config(_config({"kind": "fixed", "model": "ghost"}))
