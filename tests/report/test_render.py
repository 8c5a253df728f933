"""Tests of the Markdown and HTML reports rendered from hand-built samples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.aggregate import aggregate
from harness.report import ReportPaths, render_reports
from harness.report.render import format_money, format_p_value, markdown_cell
from harness.store.records import ErrorInfo, Manifest, PriceSnapshot, Sample, SuiteSnapshot, Usage

RUN = "run-42"
SUITE = "legal/hearsay"
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"


def make_manifest() -> Manifest:
    """'lawyer' (priced) and 'freebie' (unpriced) specialize in legal; 'big' is the frontier baseline."""
    models = [
        {"id": "lawyer", "model": "openai/lawyer-7b", "role": "specialized", "verticals": ["legal"],
         "description": "Legal fine-tune of a 7B model"},
        {"id": "freebie", "model": "openai/local-legal", "role": "specialized", "verticals": ["legal"],
         "description": f"Local model | pipes {SCRIPT}"},
        {"id": "big", "model": "openai/gpt-big", "role": "frontier"},
    ]
    prices = {
        "lawyer": PriceSnapshot(model_id="lawyer", priced=True, input_per_million=1.0, output_per_million=2.0,
                                source="config", as_of="2025-06-01"),
        "freebie": PriceSnapshot(model_id="freebie", priced=False, source="unpriced"),
        "big": PriceSnapshot(model_id="big", priced=True, input_per_million=10.0, output_per_million=30.0,
                             source="litellm 1.83.14"),
    }
    suites = {
        SUITE: SuiteSnapshot(suite=SUITE, vertical="legal", kind="benchmark", source="local:hearsay.jsonl",
                             fingerprint="ab" * 32, items=4, scorer="label", description="Hearsay or not"),
    }
    return Manifest(
        run_id=RUN,
        name="hand-built",
        config={"name": "hand-built", "models": models, "suites": [SUITE]},
        config_hash="cafe" * 4,
        prices=prices,
        suites=suites,
        versions={"verticalbench": "0.1.0", "python": "3.11.7"},
        started_at="2025-06-02T10:00:00Z",
        finished_at="2025-06-02T10:05:00Z",
        status="finished",
    )


def make_sample(model_id: str, item_id: str, outcome: str, **fields: Any) -> Sample:
    return Sample(
        run_id=RUN,
        model_id=model_id,
        suite=SUITE,
        vertical="legal",
        item_id=item_id,
        messages=[{"role": "user", "content": f"Is {item_id} hearsay?"}],
        outcome=outcome,
        started_at="2025-06-02T10:00:00Z",
        **fields,
    )


def hand_samples() -> Iterator[Sample]:
    """Four legal items; the costs follow the prices of make_manifest.

    item  lawyer      freebie     big
    i1    correct     correct     correct
    i2    correct     incorrect   incorrect
    i3    incorrect   correct     incorrect
    i4    error       correct     correct

    lawyer: 100 in + 50 out tokens, $1/M and $2/M -> $0.0002 per answered sample.
    big: 100 in + 100 out tokens, $10/M and $30/M -> $0.004 per sample.
    """
    lawyer = {"usage": Usage(input_tokens=100, output_tokens=50), "cost_usd": 0.0002}
    yield make_sample("lawyer", "i1", "correct", latency_s=1.0, reply=f"Yes. {SCRIPT} {IMAGE}",
                      extracted=f"yes {IMAGE}", reference="yes", **lawyer)
    yield make_sample("lawyer", "i2", "correct", latency_s=2.0, reply="x" * 2000, **lawyer)
    yield make_sample("lawyer", "i3", "incorrect", latency_s=3.0, reply="No.", **lawyer)
    yield make_sample("lawyer", "i4", "error", usage=Usage(reported=False),
                      error=ErrorInfo(type="RateLimitError", message="slow down <b>now</b>"))

    free = {"usage": Usage(input_tokens=80, output_tokens=20), "latency_s": 0.5}
    for item_id, outcome in [("i1", "correct"), ("i2", "incorrect"), ("i3", "correct"), ("i4", "correct")]:
        yield make_sample("freebie", item_id, outcome, reply="Yes.", **free)

    big = {"usage": Usage(input_tokens=100, output_tokens=100), "cost_usd": 0.004}
    for index, (item_id, outcome) in enumerate([("i1", "correct"), ("i2", "incorrect"), ("i3", "incorrect"),
                                                ("i4", "correct")]):
        yield make_sample("big", item_id, outcome, reply="Answer: yes", latency_s=4.0 + index, **big)


@pytest.fixture
def reports(tmp_path: Path) -> ReportPaths:
    return render_reports(make_manifest(), hand_samples, tmp_path / "out")


def section(markdown: str, heading: str) -> str:
    """Return the text under a heading, up to the next heading of any level."""
    start = markdown.index(heading + "\n") + len(heading)
    following = re.search(r"^#+ ", markdown[start:], flags=re.MULTILINE)
    return markdown[start:] if following is None else markdown[start : start + following.start()]


def table_row(markdown: str, *first_cells: str) -> list[str]:
    """Return the cells of the one table row that starts with first_cells."""
    prefix = "| " + " | ".join(first_cells) + " |"
    rows = [line for line in markdown.splitlines() if line.startswith(prefix)]
    assert len(rows) == 1, f"expected one row starting with {prefix!r}, found {len(rows)}"
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", rows[0])[1:-1]]


# --- Markdown ------------------------------------------------------------------------


def test_files_are_written(reports: ReportPaths, tmp_path: Path) -> None:
    assert reports.markdown == tmp_path / "out" / "report.md"
    assert reports.html == tmp_path / "out" / "report.html"
    assert reports.markdown.is_file()
    assert reports.html.is_file()


def test_markdown_header(reports: ReportPaths) -> None:
    text = reports.markdown.read_text(encoding="utf-8")
    assert text.startswith("# verticalbench report: hand-built (run-42)")
    assert "2025-06-02T10:00:00Z" in text
    assert "2025-06-02T10:05:00Z" in text
    assert "verticalbench 0.1.0" in text


def test_markdown_models_section(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "## Models")
    lawyer = table_row(text, "lawyer")
    assert lawyer == [
        "lawyer",
        "`openai/lawyer-7b`",
        "specialized",
        "legal",
        "Legal fine-tune of a 7B model",
        "$1.00 input / $2.00 output per 1M tokens (USD); source: config, as of 2025-06-01",
    ]
    freebie = table_row(text, "freebie")
    assert freebie[-1] == "unpriced"
    # The pipe in the description is escaped, so the row keeps its six cells.
    assert freebie[4] == "Local model \\| pipes &lt;script&gt;alert(1)&lt;/script&gt;"
    assert table_row(text, "big")[3] == "all (baseline)"


def test_markdown_vertical_row_specialized(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "## Results per model and vertical")
    # 2 correct of 3 answered (i4 is an error); Wilson (0.2077, 0.9385). 450 tokens cost $0.0006,
    # so $0.0006 / 450 * 1000 = $0.00133 per 1K, $0.0002 per item, $0.0003 per correct, 3,333.3 correct per $.
    # Latencies [1, 2, 3]: p50 2.00, p95 2.90. One error in four samples is excluded: 1 (25.0%).
    # One suite without groups is one subtask, so the mean over subtasks is the same figure.
    assert table_row(text, "lawyer", "legal") == [
        "lawyer", "legal", "66.7% [20.8, 93.9]", "66.7% [20.8, 93.9] over 1 subtask", "4", "3", "1 (25.0%)",
        "450 (300 in / 150 out)", "$0.0006", "$0.00133", "$0.0002", "$0.0003", "3,333.3", "2.00", "2.90",
        "0.0%", "0.0%", "0.0%",
    ]


def test_markdown_vertical_row_frontier(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "## Results per model and vertical")
    # 2 of 4 correct, Wilson (0.1500, 0.8500). 800 tokens for $0.016: $0.02 per 1K, 125.0 correct per $.
    # Latencies [4, 5, 6, 7]: p50 5.50, p95 at h = 2.85 -> 6.85.
    assert table_row(text, "big", "legal") == [
        "big", "legal", "50.0% [15.0, 85.0]", "50.0% [15.0, 85.0] over 1 subtask", "4", "4", "0 (0.0%)",
        "800 (400 in / 400 out)", "$0.016", "$0.02", "$0.004", "$0.008", "125.0", "5.50", "6.85",
        "0.0%", "0.0%", "0.0%",
    ]


def test_markdown_states_excluded_samples(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "## Results per model and vertical")
    assert "1 sample ended in `error` and is excluded from accuracy (lawyer on legal: 1)." in text


def test_markdown_unpriced_row_never_shows_zero_dollars(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "## Results per model and vertical")
    row = table_row(text, "freebie", "legal")
    # 3 of 4 correct; every money cell shows unpriced.
    assert row[2].startswith("75.0% [")
    assert row[8:13] == ["unpriced"] * 5
    assert "$0" not in " ".join(row)


def test_markdown_suite_table(reports: ReportPaths) -> None:
    text = reports.markdown.read_text(encoding="utf-8")
    row = table_row(section(text, "## Results per model and suite"), "lawyer", SUITE)
    assert row[2] == "66.7% [20.8, 93.9]"
    assert row[9] == "$0.00133"
    suite = table_row(section(text, "## Suites"), SUITE)
    assert suite[2] == "4"
    assert suite[5] == "`abababababab`"


def test_markdown_advantage_table(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "### Accuracy advantage and cost differential")
    # lawyer vs big on i1-i3 (i4 is the lawyer's error): 2/3 against 1/3, +33.3 pp, relative +100.0%.
    # Discordant counts b = 1 (i2), c = 0: p = min(1, 2 * 1/2) = 1.000, and Holm over the one
    # vertical of the pair leaves it at 1.000, so the difference is not marked.
    # The paired differences are [0, 1, 0]: a resample of 3 items has a mean of 0, 1/3, 2/3 or 1,
    # and the 2.5th and 97.5th percentiles of 2000 resamples are 0 and 1 (the all-zero and
    # all-one resamples each have probability (2/3)^3 = 0.30 and (1/3)^3 = 0.037).
    # Cost differential ($0.0013333 - $0.02) / $0.02 = -93.3%.
    row = table_row(text, "legal", "lawyer", "big")
    assert row[3] == "3"
    assert row[4] == "+100.0%"
    assert row[5] == "+33.3 pp [+0.0, +100.0]"
    assert row[6] == "1.000"
    assert row[7] == "1.000"
    assert row[8] == "-93.3%"


def test_markdown_advantage_against_unpriced(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "### Accuracy advantage and cost differential")
    # freebie vs big on all 4 items: 3/4 against 2/4, +25.0 pp, relative 0.25 / 0.5 = +50.0%.
    # Discordant b = 1 (i3), c = 0: p = 1.000. Cost differential needs both prices.
    row = table_row(text, "legal", "freebie", "big")
    assert row[3] == "4"
    assert row[4] == "+50.0%"
    assert row[5].startswith("+25.0 pp [")
    assert row[6] == "1.000"
    assert row[8] == "n/a (unpriced)"


def test_markdown_cost_table(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "### Cost of each option")
    assert table_row(text, "legal", "lawyer") == [
        "legal", "lawyer", "$0.00133", "big", "$0.02", "+33.3 pp [+0.0, +100.0] (66.7% vs 33.3%)",
    ]
    freebie = table_row(text, "legal", "freebie")
    assert freebie[:5] == ["legal", "freebie", "unpriced", "big", "$0.02"]
    assert freebie[5].startswith("+25.0 pp [")
    assert freebie[5].endswith("] (75.0% vs 50.0%)")


def test_markdown_value_table(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "### Value per dollar")
    # 3,333.3 / 125 - 1 = 25.667 -> +2,566.7%.
    assert table_row(text, "legal", "lawyer") == [
        "legal", "lawyer", "3,333.3", "big", "125.0", "+2,566.7%",
    ]
    assert table_row(text, "legal", "freebie") == [
        "legal", "freebie", "unpriced", "big", "125.0", "n/a (unpriced)",
    ]


def test_markdown_definitions(reports: ReportPaths) -> None:
    text = reports.markdown.read_text(encoding="utf-8")
    definitions = text.split("## Definitions", 1)[1]
    assert "Accuracy = correct / answered" in definitions
    assert "left out of the denominator" in definitions
    assert "Relative advantage = (acc_S - acc_F) / acc_F" in definitions
    assert "Cost differential = (c_S - c_F) / c_F" in definitions
    assert "paired percentile bootstrap" in definitions
    assert "exact McNemar" in definitions


def test_markdown_has_no_model_replies(reports: ReportPaths) -> None:
    text = reports.markdown.read_text(encoding="utf-8")
    assert "alert(1)</script>" not in text
    assert "<img" not in text


# --- HTML ----------------------------------------------------------------------------


def test_html_escapes_model_text(reports: ReportPaths) -> None:
    html = reports.html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    # The error message of the failed sample is escaped as well.
    assert "slow down &lt;b&gt;now&lt;/b&gt;" in html
    assert "<b>now" not in html


def test_html_is_self_contained(reports: ReportPaths) -> None:
    html = reports.html.read_text(encoding="utf-8")
    assert "<style>" in html
    assert "<link" not in html
    assert "src=" not in html.replace("src=x", "")
    assert "http://" not in html
    assert "https://" not in html
    assert "default-src 'none'" in html


def test_html_contains_figures(reports: ReportPaths) -> None:
    html = reports.html.read_text(encoding="utf-8")
    assert "66.7% [20.8, 93.9]" in html
    assert "$0.00133" in html
    assert "-93.3%" in html
    assert "+2,566.7%" in html
    assert "n/a (unpriced)" in html


def test_html_appendix_truncates_replies(reports: ReportPaths) -> None:
    html = reports.html.read_text(encoding="utf-8")
    assert "x" * 500 + "… [1,500 more characters]" in html
    assert "x" * 501 not in html
    assert "RateLimitError" in html


def test_html_appendix_limit(tmp_path: Path) -> None:
    paths = render_reports(make_manifest(), hand_samples, tmp_path, appendix_limit=2)
    html = paths.html.read_text(encoding="utf-8")
    appendix = html.split("Appendix: samples", 1)[1]
    assert "Only the first 2 of 12 samples are listed." in appendix
    assert appendix.count("<tr><td>legal/hearsay</td>") == 2


# --- formatting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.000012, "$0.000012"),
        (0.0013333, "$0.00133"),
        (0.02, "$0.02"),
        (0.5, "$0.50"),
        (0.0125, "$0.0125"),
        (1234.5, "$1,234.50"),
        (0.0, "$0.00"),
        (None, "n/a"),
    ],
)
def test_format_money(value: float | None, text: str) -> None:
    assert format_money(value) == text


def test_format_p_value() -> None:
    assert format_p_value(22 / 1024) == "0.021"
    assert format_p_value(0.00002) == "2.0e-05"
    assert format_p_value(None) == "n/a"


def test_markdown_cell_escapes() -> None:
    assert markdown_cell("a|b") == "a\\|b"
    assert markdown_cell("<b>\nx") == "&lt;b&gt; x"


def test_factory_returning_one_iterator_is_rejected(tmp_path: Path) -> None:
    samples = hand_samples()
    with pytest.raises(ValueError, match="same iterator twice"):
        render_reports(make_manifest(), lambda: samples, tmp_path)


def test_factory_returning_a_list_is_accepted(tmp_path: Path) -> None:
    samples = list(hand_samples())
    paths = render_reports(make_manifest(), lambda: samples, tmp_path)
    assert "RateLimitError" in paths.html.read_text(encoding="utf-8")


def test_precomputed_aggregates_read_samples_once(tmp_path: Path) -> None:
    calls = []

    def factory() -> Iterator[Sample]:
        calls.append(1)
        return hand_samples()

    figures = aggregate(hand_samples(), make_manifest())
    paths = render_reports(make_manifest(), factory, tmp_path, aggregates=figures)
    assert len(calls) == 1
    advantage = section(paths.markdown.read_text(encoding="utf-8"), "### Accuracy advantage and cost differential")
    assert table_row(advantage, "legal", "lawyer", "big")[4] == "+100.0%"


# --- significance, subtasks and pass@k ---------------------------------------------------


def significant_samples() -> Iterator[Sample]:
    """Ten items that only the lawyer answers correctly, each run twice by the lawyer, with two subtasks."""
    for n in range(10):
        group = "rules" if n < 5 else "exceptions"
        yield make_sample("lawyer", f"s{n}", "correct", group=group)
        yield make_sample("lawyer", f"s{n}", "correct" if n % 2 else "incorrect", group=group, repeat=1)
        yield make_sample("big", f"s{n}", "incorrect", group=group)


@pytest.fixture
def significant_report(tmp_path: Path) -> str:
    return render_reports(make_manifest(), significant_samples, tmp_path).markdown.read_text(encoding="utf-8")


def test_significant_difference_is_marked(significant_report: str) -> None:
    text = section(significant_report, "### Accuracy advantage and cost differential")
    # Repeat 0 only: lawyer 10/10 against big 0/10, b = 10, c = 0: p = 2 / 2^10 = 0.00195 -> '0.002'.
    # One vertical in the family, so Holm p is the same and below 0.05: the delta is marked.
    row = table_row(text, "legal", "lawyer", "big")
    assert row[5] == "+100.0 pp [+100.0, +100.0] *"
    assert row[6] == "0.002"
    assert row[7] == "0.002"
    assert "Differences marked * are significant" in text


def test_insignificant_difference_is_not_marked(reports: ReportPaths) -> None:
    text = section(reports.markdown.read_text(encoding="utf-8"), "### Accuracy advantage and cost differential")
    assert not table_row(text, "legal", "lawyer", "big")[5].endswith("*")


def test_pass_at_k_table(significant_report: str) -> None:
    text = section(significant_report, "## pass@k per model and suite")
    # Each lawyer item has 2 repeats: the odd items 2/2 correct, the even ones 1/2.
    # pass@1 = (5 * 1 + 5 * 0.5) / 10 = 75.0%; pass@2 = 100% (every item has a correct repeat).
    assert table_row(text, "lawyer", SUITE) == ["lawyer", SUITE, "2", "pass@1 75.0%, pass@2 100.0%"]
    # big has one sample per item, so it has no pass@k row.
    assert "| big |" not in text


def test_no_pass_at_k_section_without_repeats(reports: ReportPaths) -> None:
    assert "## pass@k" not in reports.markdown.read_text(encoding="utf-8")


def test_subtask_mean_column(significant_report: str) -> None:
    text = section(significant_report, "## Results per model and vertical")
    row = table_row(text, "lawyer", "legal")
    # 20 samples, 15 correct (10 at repeat 0, 5 at repeat 1): 75.0% over items. The subtasks 'rules'
    # (items 0-4: 5 + 2 correct of 10) and 'exceptions' (5 + 3 of 10) give (0.7 + 0.8) / 2 = 75.0%.
    assert row[2].startswith("75.0% [")
    assert row[3].startswith("75.0% [")
    assert row[3].endswith("over 2 subtasks")


def test_failed_render_keeps_the_old_reports(tmp_path: Path) -> None:
    paths = render_reports(make_manifest(), hand_samples, tmp_path)
    old_markdown = paths.markdown.read_bytes()
    old_html = paths.html.read_bytes()

    def broken_samples() -> Iterator[Sample]:
        yield from hand_samples()
        raise OSError("disk read failed halfway through the samples")

    calls = []

    def factory() -> Iterator[Sample]:
        calls.append(1)
        return hand_samples() if len(calls) == 1 else broken_samples()

    with pytest.raises(OSError, match="halfway"):
        render_reports(make_manifest(), factory, tmp_path)
    assert paths.markdown.read_bytes() == old_markdown
    assert paths.html.read_bytes() == old_html
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.html", "report.md"]
