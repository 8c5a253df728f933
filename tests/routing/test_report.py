"""The routing section of the Markdown and HTML reports, and the accuracy-cost SVG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.aggregate import aggregate
from harness.report import render_reports
from harness.routing.analysis import AnalysisOptions, analyse
from harness.routing.plot import accuracy_cost_svg, nice_step
from harness.routing.results import CurveResult, PointResult
from tests.routing import scenario

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture()
def reports(tmp_path: Path) -> tuple[str, str]:
    manifest = scenario.manifest()
    manifest.routing = analyse(scenario.samples(), manifest, AnalysisOptions(classifiers=("keyword",))).model_dump(mode="json")
    paths = render_reports(manifest, scenario.samples, tmp_path, aggregates=aggregate(scenario.samples(), manifest))
    return paths.markdown.read_text(), paths.html.read_text()


def test_markdown_routing_tables(reports: tuple[str, str]) -> None:
    markdown, _ = reports
    assert "## Routing" in markdown
    assert "| table |  | 66.7% (4/6) | $0.024 | $0.004 | $0.006 | 3.00 | small 66.7%, big 33.3% | 0 | 0 | 0 | 0.664 | 0.667 |" in markdown
    assert "| legal | 4 | 0 |" in markdown  # the keyword classifier's confusion row
    assert "| oracle |  | 83.3% (5/6) | $0.033 |" in markdown


def test_html_has_inline_svg(reports: tuple[str, str]) -> None:
    _, html = reports
    assert html.count("<svg") == 1
    assert "<polyline" in html
    assert "<script" not in html.lower()
    assert not re.search(r"(href|src)=", html)  # no external asset


def test_report_without_routing(tmp_path: Path) -> None:
    manifest = scenario.manifest()
    paths = render_reports(manifest, scenario.samples, tmp_path, aggregates=aggregate(scenario.samples(), manifest))
    assert "Routing" not in paths.markdown.read_text()
    assert "<svg" not in paths.html.read_text()


def _point(policy: str, cost: float | None, accuracy: float) -> PointResult:
    return PointResult(policy=policy, kind="fixed", items=1, correct=0, accuracy=accuracy, total_cost=cost,
                       cost_per_query=cost, cost_per_correct=None)


def test_svg_escapes_names() -> None:
    curve = CurveResult(policy=f"fixed:{SCRIPT}", kind="fixed", description="", point=None,
                        sweep=[_point(SCRIPT, 0.002, 0.5)], hull=[(0.002, 0.5)])
    svg = str(accuracy_cost_svg([curve]))
    assert SCRIPT not in svg
    assert "&lt;script&gt;" in svg


def test_svg_none_when_unpriced() -> None:
    curve = CurveResult(policy="p", kind="fixed", description="", point=None, sweep=[_point("p", None, 0.5)])
    assert accuracy_cost_svg([curve]) is None


def test_nice_step() -> None:
    assert [nice_step(value) for value in (0.0023, 0.002, 7.0, 0.3)] == [0.0025, 0.002, 10.0, 0.5]
