"""aggregate() against an in-memory oracle: the figures it computed before per-item state moved to SQLite.

The oracle keeps every latency in a list, every item's repeat counts in a dict and every
repeat-0 outcome in a dict, as `harness.aggregate` did, and computes the figures from them
with `harness.stats`. The ledger must give the same floats, except pass@k, whose terms are
now summed per (answered, correct) pair and so may differ in the last bits.
"""

from __future__ import annotations

import random
import tracemalloc
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from harness.aggregate import Aggregates, aggregate
from harness.stats import mcnemar_exact, paired_bootstrap_diff, pass_at_k, percentile
from harness.store.records import OUTCOMES, Manifest, Sample, Usage

RUN = "oracle"
SUITES = (("legal/a", "legal"), ("legal/b", "legal"), ("medical/qa", "medical"), ("code/x", "code"))
MODELS = ("lawyer", "big", "small")


def make_manifest() -> Manifest:
    models = [
        {"id": "lawyer", "model": "openai/lawyer", "role": "specialized", "verticals": ["legal", "medical"]},
        {"id": "big", "model": "openai/big", "role": "frontier"},
        {"id": "small", "model": "openai/small", "role": "frontier"},
    ]
    return Manifest(run_id=RUN, name="oracle", config={"name": "oracle", "models": models, "suites": ["*"]},
                    config_hash="0" * 16, started_at="2026-01-01T00:00:00Z")


def make_sample(model: str, suite: str, vertical: str, item: str, outcome: str, **fields: Any) -> Sample:
    return Sample(run_id=RUN, model_id=model, suite=suite, vertical=vertical, item_id=item, messages=[],
                  outcome=outcome, started_at="2026-01-01T00:00:00Z", **fields)  # type: ignore[arg-type]


def random_run(seed: int, items: int = 60) -> list[Sample]:
    """A run with repeats, errors, missing latencies, repeated latencies, resumed duplicates and a split suite."""
    chance = random.Random(seed)
    samples = []
    for model in MODELS:
        for suite, vertical in SUITES:
            for number in range(items):
                repeats = chance.choice((1, 1, 2, 3, 5))
                for repeat in range(repeats):
                    outcome = chance.choices(OUTCOMES, weights=(50, 25, 5, 5, 5, 10))[0]
                    latency = None if chance.random() < 0.1 else chance.choice((0.5, 1.0, round(chance.uniform(0.1, 4.0), 3)))
                    samples.append(make_sample(model, suite, vertical, f"i{number}", outcome, repeat=repeat,
                                               group=chance.choice((None, "g1", "g2")), latency_s=latency,
                                               usage=Usage(input_tokens=10, output_tokens=5), cost_usd=0.001))
    # A resumed run stores some samples twice; the later repeat-0 record wins in the pairs.
    for original in chance.sample(samples, 40):
        samples.append(original.model_copy(update={"outcome": chance.choice(OUTCOMES)}))
    # A few samples name a second vertical for legal/a, so the suite's items span two cells.
    for number in range(5):
        samples.append(make_sample("lawyer", "legal/a", "medical", f"i{number}", "correct", latency_s=2.0))
    chance.shuffle(samples)
    return samples


def oracle_groups(samples: list[Sample], grouping: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Latency percentiles, largest repeat count and pass@k per group, the way aggregate computed them in memory."""
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    repeats: dict[tuple[str, str], dict[tuple[str, str], list[int]]] = defaultdict(dict)
    for sample in samples:
        key = (sample.model_id, sample.vertical if grouping == "vertical" else sample.suite)
        per_item = repeats[key].setdefault((sample.suite, sample.item_id), [0, 0, 0])
        per_item[0] += 1
        if sample.outcome != "error":
            per_item[1] += 1
            per_item[2] += sample.outcome == "correct"
        if sample.latency_s is not None:
            latencies[key].append(sample.latency_s)
    figures = {}
    for key, items in repeats.items():
        values = latencies.get(key)
        answered = [(n, c) for _, n, c in items.values() if n > 0]
        passes: tuple[tuple[int, float], ...] = ()
        if answered and max(n for n, _ in answered) >= 2:
            largest = min(n for n, _ in answered)
            ks = (1,) if largest == 1 else (1, largest)
            passes = tuple((k, sum(pass_at_k(n, c, k) for n, c in answered) / len(answered)) for k in ks)
        figures[key] = {
            "latency_p50": percentile(values, 50) if values else None,
            "latency_p95": percentile(values, 95) if values else None,
            "max_repeats": max(samples for samples, _, _ in items.values()),
            "pass_at_k": passes,
        }
    return figures


def oracle_comparison(samples: list[Sample], vertical: str, first: str, second: str, seed: int) -> dict[str, Any]:
    """Paired figures from per-item repeat-0 flags, with the later record of an item replacing the earlier."""
    flags: dict[str, dict[tuple[str, str], bool | None]] = {first: {}, second: {}}
    for sample in samples:
        if sample.repeat == 0 and sample.vertical == vertical and sample.model_id in flags:
            flags[sample.model_id][(sample.suite, sample.item_id)] = None if sample.outcome == "error" else sample.outcome == "correct"
    common = sorted(key for key, flag in flags[first].items() if flag is not None and flags[second].get(key) is not None)
    a = [int(bool(flags[first][key])) for key in common]
    b = [int(bool(flags[second][key])) for key in common]
    lower, upper = paired_bootstrap_diff(a, b, resamples=500, seed=seed)
    first_only = sum(1 for x, y in zip(a, b) if x > y)
    second_only = sum(1 for x, y in zip(a, b) if y > x)
    return {
        "paired_items": len(common),
        "accuracy_specialized": sum(a) / len(a),
        "accuracy_frontier": sum(b) / len(b),
        "advantage_interval_points": (lower * 100.0, upper * 100.0),
        "specialized_only_correct": first_only,
        "frontier_only_correct": second_only,
        "mcnemar_p": mcnemar_exact(first_only, second_only),
    }


@pytest.fixture(params=[1, 2, 3])
def run(request: pytest.FixtureRequest) -> tuple[list[Sample], Aggregates, int]:
    samples = random_run(request.param)
    return samples, aggregate(iter(samples), make_manifest(), resamples=500, seed=request.param), request.param


@pytest.mark.parametrize("grouping", ["vertical", "suite"])
def test_group_figures_match_oracle(run: tuple[list[Sample], Aggregates, int], grouping: str) -> None:
    samples, result, _ = run
    expected = oracle_groups(samples, grouping)
    stats = result.by_vertical if grouping == "vertical" else result.by_suite
    assert {(s.model_id, s.group) for s in stats} == set(expected)
    for group in stats:
        oracle = expected[(group.model_id, group.group)]
        assert group.latency_p50 == oracle["latency_p50"], group.group
        assert group.latency_p95 == oracle["latency_p95"], group.group
        assert group.max_repeats == oracle["max_repeats"], group.group
        assert [k for k, _ in group.pass_at_k] == [k for k, _ in oracle["pass_at_k"]], group.group
        assert [v for _, v in group.pass_at_k] == pytest.approx([v for _, v in oracle["pass_at_k"]], rel=1e-12, abs=0)


def test_split_suite_counts_both_verticals(run: tuple[list[Sample], Aggregates, int]) -> None:
    samples, result, _ = run
    (suite,) = [s for s in result.by_suite if (s.model_id, s.group) == ("lawyer", "legal/a")]
    split = [s for s in samples if (s.model_id, s.suite) == ("lawyer", "legal/a")]
    assert {s.vertical for s in split} == {"legal", "medical"}
    assert suite.items == len(split)


def test_comparisons_match_oracle(run: tuple[list[Sample], Aggregates, int]) -> None:
    samples, result, seed = run
    compared = {(c.vertical, c.specialized, c.frontier): c for c in result.comparisons}
    assert set(compared) == {(v, "lawyer", f) for v in ("legal", "medical") for f in ("big", "small")}
    for (vertical, first, second), comparison in compared.items():
        oracle = oracle_comparison(samples, vertical, first, second, seed)
        for name, value in oracle.items():
            assert getattr(comparison, name) == value, (vertical, second, name)


def synthetic_stream(count: int) -> Iterator[Sample]:
    """Yield `count` samples without keeping them; copies of one validated sample, so the stream itself is cheap."""
    base = make_sample("lawyer", "legal/a", "legal", "item", "correct")
    for index in range(count):
        yield base.model_copy(update={
            "model_id": MODELS[index % 3], "item_id": f"item-{index // 3}", "latency_s": (index % 997) / 100.0,
            # Outcomes depend on the item only, so the models never disagree and the McNemar sums stay short.
            "outcome": "correct" if (index // 3) % 4 else "incorrect",
        })


def traced_peak(count: int) -> int:
    tracemalloc.start()
    try:
        aggregate(synthetic_stream(count), make_manifest(), resamples=10)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_samples() -> None:
    # Held in Python objects, the per-item and per-sample state cost about 0.5 KB per sample,
    # so 27,000 more samples would add some 13 MB. tracemalloc does not see SQLite's own
    # allocations, but their page cache is capped by `harness.scratch_db.CACHE_KIB`.
    small = traced_peak(3_000)
    large = traced_peak(30_000)
    assert large - small < 2 * 2**20, f"peak grew from {small:,} to {large:,} bytes"
