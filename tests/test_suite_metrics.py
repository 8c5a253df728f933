"""Suite metrics from stored samples: IFEval accuracies, guarded pass@k and family means, each worked by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.report.render import render_reports
from harness.store.records import Manifest, Sample, SuiteSnapshot
from harness.suite_metrics import (
    PassAtK,
    SuiteMetricsCollector,
    code_scores,
    compute_suite_metrics,
    guarded_pass_at_k,
    guarded_pass_at_k_from_histogram,
)


def sample(suite: str, item: str, outcome: str, *, model: str = "m", vertical: str = "legal", repeat: int = 0,
           group: str | None = None, reference: Any = None, details: dict[str, Any] | None = None) -> Sample:
    return Sample(run_id="r", model_id=model, suite=suite, vertical=vertical, item_id=item, repeat=repeat, group=group,
                  messages=[], outcome=outcome, reference=reference, details=details or {},  # type: ignore[arg-type]
                  score={"correct": 1.0, "incorrect": 0.0}.get(outcome), started_at="2026-01-01T00:00:00Z")


# (answered repeats, correct) per item, k, expected mean pass@k or None.
PASS_CASES = [
    ([(1, 1)], 1, 1.0),
    ([(1, 0)], 1, 0.0),
    ([(5, 2)], 1, 0.4),
    ([(5, 2)], 2, 0.7),  # 1 - C(3, 2) / C(5, 2) = 1 - 3 / 10
    ([(5, 0)], 5, 0.0),
    ([(5, 1)], 5, 1.0),  # fewer than k wrong repeats, so every draw of 5 contains the correct one
    ([(5, 2), (5, 0)], 2, 0.35),
    ([(3, 3)], 5, None),  # k > n: undefined, not 1.0
    ([(10, 5), (2, 2)], 5, None),  # one item short of k makes the mean undefined
    ([], 1, None),
]


@pytest.mark.parametrize(("pairs", "k", "expected"), PASS_CASES)
def test_guarded_pass_at_k(pairs: list[tuple[int, int]], k: int, expected: float | None) -> None:
    result = guarded_pass_at_k(pairs, k)

    if expected is None:
        assert result.value is None
        assert result.note
    else:
        assert result.value == pytest.approx(expected)
        assert result.note is None


def test_pass_at_k_note_names_the_short_items() -> None:
    assert guarded_pass_at_k([(10, 5), (2, 2), (3, 0)], 5).note == (
        "undefined: 2 item(s) have fewer than 5 answered repeats (fewest 2)"
    )


def test_code_scores_k_up_to_max_repeats() -> None:
    scores = code_scores("m", "code/humaneval", {"a": [5, 2], "b": [3, 3]})

    assert [entry.k for entry in scores.pass_at] == [1, 5]
    assert scores.pass_at[0] == PassAtK(1, pytest.approx((0.4 + 1.0) / 2))
    assert scores.pass_at[1].value is None
    assert (scores.min_repeats, scores.max_repeats) == (3, 5)


def instructions(*flags: tuple[bool, bool]) -> list[dict[str, Any]]:
    return [{"id": f"i{n}", "strict": strict, "loose": loose, "supported": True} for n, (strict, loose) in enumerate(flags)]


def ifeval_sample(item: str, outcome: str, flags: tuple[tuple[bool, bool], ...], count: int | None = None) -> Sample:
    reference = {"instruction_id_list": [f"i{n}" for n in range(count or len(flags))], "kwargs": [], "prompt": "p"}
    details = {}
    if flags:
        details = {"prompt_strict": all(s for s, _ in flags), "prompt_loose": all(loose for _, loose in flags),
                   "instructions": instructions(*flags)}
    return sample("creative/ifeval", item, outcome, vertical="creative", reference=reference, details=details)


def test_ifeval_prompt_and_instruction_accuracy() -> None:
    collector = SuiteMetricsCollector({}, [])
    for entry in (
        ifeval_sample("1", "correct", ((True, True), (True, True))),
        ifeval_sample("2", "incorrect", ((True, True), (False, True))),
        ifeval_sample("3", "incorrect", ((False, False),)),
        ifeval_sample("4", "truncated", (), count=2),  # checked nowhere: both instructions fail
        ifeval_sample("5", "error", (), count=3),  # a provider error is left out
    ):
        collector.add(entry)

    (scores,) = collector.finish().ifeval
    assert (scores.prompts, scores.instructions) == (4, 7)
    assert scores.prompt_strict == pytest.approx(1 / 4)
    assert scores.prompt_loose == pytest.approx(2 / 4)
    assert scores.instruction_strict == pytest.approx(3 / 7)
    assert scores.instruction_loose == pytest.approx(4 / 7)


def test_family_prints_both_means() -> None:
    families = {"legal/mmlu-a": "mmlu", "legal/mmlu-b": "mmlu", "legal/legalbench-x": "legalbench"}
    collector = SuiteMetricsCollector(families, [])
    # Subject a: 3 of 4 correct; subject b: 0 of 1 correct, plus one error that is left out.
    outcomes = [("legal/mmlu-a", "a", o) for o in ("correct", "correct", "correct", "unparseable")]
    outcomes += [("legal/mmlu-b", "b", "incorrect"), ("legal/mmlu-b", "b", "error"), ("legal/legalbench-x", None, "correct")]
    for number, (suite, group, outcome) in enumerate(outcomes):
        collector.add(sample(suite, str(number), outcome, group=group))

    legalbench, mmlu = collector.finish().families
    assert (mmlu.family, mmlu.suites, mmlu.subtasks, mmlu.answered, mmlu.correct) == ("mmlu", 2, 2, 5, 3)
    assert mmlu.item_mean == pytest.approx(3 / 5)
    assert mmlu.subtask_mean == pytest.approx((3 / 4 + 0 / 1) / 2)
    assert mmlu.published == "items"
    assert legalbench.published == "subtasks"
    assert mmlu.item_interval[0] < mmlu.item_mean < mmlu.item_interval[1]


def manifest() -> Manifest:
    suites = {
        "code/humaneval": SuiteSnapshot(suite="code/humaneval", vertical="code", kind="benchmark", source="local:x",
                                        fingerprint="f", items=2, scorer="code", description="d"),
        "legal/mmlu-jurisprudence": SuiteSnapshot(suite="legal/mmlu-jurisprudence", vertical="legal", kind="benchmark",
                                                  source="local:x", fingerprint="f", items=2, scorer="choice", description="d"),
    }
    config = {"name": "t", "models": [{"id": "m", "model": "openai/m", "role": "frontier"}], "suites": ["*"]}
    return Manifest(run_id="r", name="t", config=config, config_hash="h", suites=suites, started_at="2026-01-01T00:00:00Z")


def run_samples() -> list[Sample]:
    return [
        sample("code/humaneval", "0", "correct", vertical="code", repeat=0),
        sample("code/humaneval", "0", "incorrect", vertical="code", repeat=1),
        sample("code/humaneval", "1", "correct", vertical="code", repeat=0),
        sample("code/humaneval", "1", "correct", vertical="code", repeat=1),
        sample("legal/mmlu-jurisprudence", "0", "correct", group="jurisprudence"),
        sample("legal/mmlu-jurisprudence", "1", "incorrect", group="jurisprudence"),
    ]


def test_compute_reads_scorers_and_families_of_the_run() -> None:
    metrics = compute_suite_metrics(run_samples(), manifest())

    (code,) = metrics.code
    assert [(entry.k, entry.value) for entry in code.pass_at] == [(1, pytest.approx(0.75))]
    (family,) = metrics.families
    assert (family.family, family.item_mean, family.subtask_mean) == ("mmlu", 0.5, 0.5)


def test_report_prints_the_suite_metrics(tmp_path: Path) -> None:
    paths = render_reports(manifest(), run_samples, tmp_path, resamples=50)

    markdown = paths.markdown.read_text(encoding="utf-8")
    html = paths.html.read_text(encoding="utf-8")
    assert "## Suite metrics" in markdown
    assert "<h2>Suite metrics</h2>" in html
    assert "| m | legal | mmlu | 1 | 1 | 2 | 50.0% [" in markdown
    assert "| m | code/humaneval | 2 | 2 | pass@1 75.0% |" in markdown
    assert "mean over items" in html


def test_code_repeats_match_in_memory_scores() -> None:
    # Item 0: 5 answered repeats, 2 correct, plus an error that is left out. Item 1: 5 repeats, all correct.
    # Item 2: 3 repeats, none correct. Model n has one item with 1 repeat.
    outcomes = {"0": ["correct", "correct", "incorrect", "truncated", "incorrect", "error"],
                "1": ["correct"] * 5, "2": ["incorrect"] * 3}
    collector = SuiteMetricsCollector({}, ["code/humaneval"])
    for item, results in outcomes.items():
        for repeat, outcome in enumerate(results):
            collector.add(sample("code/humaneval", item, outcome, vertical="code", repeat=repeat))
    collector.add(sample("code/humaneval", "0", "correct", model="n", vertical="code"))

    code_m, code_n = collector.finish().code
    collector.close()

    expected = code_scores("m", "code/humaneval", {"0": [5, 2], "1": [5, 5], "2": [3, 0]})
    assert code_m == expected
    assert (code_m.items, code_m.min_repeats, code_m.max_repeats) == (3, 3, 5)
    # pass@1 = (2/5 + 5/5 + 0/3) / 3 = 0.4667; pass@5 is undefined because item 2 has 3 repeats.
    assert code_m.pass_at[0].value == pytest.approx(1.4 / 3)
    assert code_m.pass_at[1].value is None
    assert (code_n.model_id, code_n.items, [p.value for p in code_n.pass_at]) == ("n", 1, [1.0])


def test_collector_finish_twice_and_after_more_samples() -> None:
    with SuiteMetricsCollector({}, ["code/x"]) as collector:
        collector.add(sample("code/x", "0", "correct", vertical="code"))
        first = collector.finish()
        assert collector.finish() == first
        collector.add(sample("code/x", "0", "incorrect", vertical="code", repeat=1))
        (code,) = collector.finish().code
    assert code.max_repeats == 2
    assert code.pass_at[0].value == pytest.approx(0.5)


def test_collector_close_deletes_repeat_file() -> None:
    collector = SuiteMetricsCollector({}, ["code/x"])
    collector.add(sample("code/x", "0", "correct", vertical="code"))
    assert collector._code is not None
    database = collector._code._database
    assert not database.closed

    collector.close()

    assert database.closed
    assert not database.path.exists()
    assert collector.finish().code == ()


def test_histogram_pass_at_k_matches_pairs() -> None:
    pairs = [(10, 5), (2, 2), (3, 0), (10, 5)]
    histogram = {(10, 5): 2, (2, 2): 1, (3, 0): 1}
    for k in (1, 2, 5):
        assert guarded_pass_at_k_from_histogram(histogram, k) == guarded_pass_at_k(pairs, k)
    assert guarded_pass_at_k_from_histogram(histogram, 5).note == (
        "undefined: 2 item(s) have fewer than 5 answered repeats (fewest 2)"
    )
    with pytest.raises(ValueError, match="k >= 1"):
        guarded_pass_at_k_from_histogram(histogram, 0)
