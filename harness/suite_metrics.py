"""Suite-specific metrics computed from stored samples, as each benchmark's authors report them.

- IFEval (Zhou et al. 2023, arXiv:2311.07911): prompt-level accuracy (every instruction of a
  prompt followed) and instruction-level accuracy (each instruction counted on its own), each
  in the strict and the loose variant, from the per-instruction results the scorer stores in
  `Sample.details["instructions"]`.
- Code (Chen et al. 2021, arXiv:2107.03374): pass@1 and the unbiased pass@k estimator
  1 - C(n - c, k) / C(n, k) over items run with several repeats. pass@k is undefined when an
  item has fewer than k answered repeats; it is then None with a note, never a number.
- Families: suites of one vertical that together make one benchmark score (the MMLU subjects
  of a vertical, the LegalBench tasks), with both the mean over items and the mean over
  subtasks, and which of the two the benchmark's authors publish.

As everywhere in the reports, a sample whose outcome is `error` (a provider or harness
failure) is left out; every other outcome counts, and a non-answer is never a pass.

The per-item repeat counts of code suites grow with the run, so the collector keeps them in
a temporary SQLite file (`harness.item_ledger`); every other tally is bounded by the number of
models, suites and subtasks.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from harness.item_ledger import ItemLedger
from harness.stats import mean_pass_at_k_from_histogram, subtask_mean_interval, wilson_interval
from harness.store.records import Manifest, Sample

logger = logging.getLogger(__name__)

Mean = Literal["items", "subtasks"]
PASS_AT_K = (1, 5, 10)
"""The k of pass@k reported for code suites, as in Chen et al. (2021), when repeats exist."""
PUBLISHED_MEAN: Mapping[str, Mean] = {
    # Hendrycks et al. average over all questions of a category (each question weighs the same).
    "mmlu": "items",
    "mmlu-zero-shot": "items",
    # LegalBench scores each task on its own and averages the tasks (each task weighs the same).
    "legalbench": "subtasks",
    "legalbench-zero-shot": "subtasks",
}
"""The mean each family's authors publish. A family not listed here publishes the mean over items."""


@dataclass(frozen=True)
class IFEvalScores:
    """IFEval accuracies of one model on one suite, as fractions."""

    model_id: str
    suite: str
    prompts: int
    instructions: int
    prompt_strict: float
    prompt_loose: float
    instruction_strict: float
    instruction_loose: float


@dataclass(frozen=True)
class PassAtK:
    """pass@k of one model on one code suite; `value` is None when some item has fewer than k repeats."""

    k: int
    value: float | None
    note: str | None = None


@dataclass(frozen=True)
class CodeScores:
    """pass@k figures of one model on one code suite."""

    model_id: str
    suite: str
    items: int
    min_repeats: int
    max_repeats: int
    pass_at: tuple[PassAtK, ...]


@dataclass(frozen=True)
class FamilyScores:
    """One family of suites for one model: the mean over items and the mean over subtasks."""

    model_id: str
    vertical: str
    family: str
    suites: int
    subtasks: int
    answered: int
    correct: int
    item_mean: float
    item_interval: tuple[float, float]
    subtask_mean: float
    subtask_interval: tuple[float, float]
    published: Mean
    """The mean the benchmark's authors publish for this family."""


@dataclass(frozen=True)
class SuiteMetrics:
    """All suite-specific metrics of a run."""

    ifeval: tuple[IFEvalScores, ...] = ()
    code: tuple[CodeScores, ...] = ()
    families: tuple[FamilyScores, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ifeval or self.code or self.families)


@dataclass
class _IFEvalTally:
    prompts: int = 0
    prompt_strict: int = 0
    prompt_loose: int = 0
    instructions: int = 0
    instruction_strict: int = 0
    instruction_loose: int = 0


@dataclass
class _FamilyTally:
    suites: set[str] = field(default_factory=set)
    subtasks: dict[str, list[int]] = field(default_factory=dict)
    """[correct, answered] per subtask: a (suite, group) pair."""


class SuiteMetricsCollector:
    """Accumulate suite metrics one sample at a time, so the samples are read only once.

    Close the collector after the last `finish`, or use it in a `with` block, to delete the
    temporary file that contains the repeat counts of code suites.

    Args:
        families: suite id -> family, e.g. {'legal/mmlu-jurisprudence': 'mmlu'}.
        code_suites: ids of the suites scored by running code.
    """

    def __init__(self, families: Mapping[str, str], code_suites: Iterable[str]) -> None:
        self.families = dict(families)
        self.code_suites = set(code_suites)
        self._ifeval: dict[tuple[str, str], _IFEvalTally] = defaultdict(_IFEvalTally)
        self._code: ItemLedger | None = None  # answered samples of code suites, opened at the first one
        self._family: dict[tuple[str, str, str], _FamilyTally] = defaultdict(_FamilyTally)

    def tap(self, samples: Iterable[Sample]) -> Iterator[Sample]:
        """Yield the samples unchanged, adding each one on the way."""
        for sample in samples:
            self.add(sample)
            yield sample

    def add(self, sample: Sample) -> None:
        """Count one sample; `error` samples are left out, as in every accuracy of the report."""
        if sample.outcome == "error":
            return
        correct = int(sample.outcome == "correct")
        if _is_ifeval(sample):
            self._add_ifeval(sample)
        if sample.suite in self.code_suites:
            if self._code is None:
                self._code = ItemLedger()
            self._code.add(sample)
        family = self.families.get(sample.suite)
        if family is not None:
            tally = self._family[(sample.model_id, sample.vertical, family)]
            tally.suites.add(sample.suite)
            counts = tally.subtasks.setdefault(f"{sample.suite}:{sample.group or ''}", [0, 0])
            counts[0] += correct
            counts[1] += 1

    def _add_ifeval(self, sample: Sample) -> None:
        tally = self._ifeval[(sample.model_id, sample.suite)]
        results = sample.details.get("instructions")
        tally.prompts += 1
        if not results:
            # A truncated, refused or empty reply was not checked: it follows none of its instructions.
            tally.instructions += len(sample.reference.get("instruction_id_list") or ())
            return
        tally.prompt_strict += bool(sample.details.get("prompt_strict"))
        tally.prompt_loose += bool(sample.details.get("prompt_loose"))
        tally.instructions += len(results)
        tally.instruction_strict += sum(bool(entry.get("strict")) for entry in results)
        tally.instruction_loose += sum(bool(entry.get("loose")) for entry in results)

    def finish(self) -> SuiteMetrics:
        """Return the metrics of every sample added so far."""
        # `add` passes only answered samples to the ledger, so its sample counts are answered repeats.
        repeats = self._code.repeat_counts("suite") if self._code is not None else {}
        return SuiteMetrics(
            ifeval=tuple(_ifeval_scores(key, tally) for key, tally in sorted(self._ifeval.items())),
            code=tuple(
                code_scores_from_histogram(model, suite, counts.histogram) for (model, suite), counts in sorted(repeats.items())
            ),
            families=tuple(_family_scores(key, tally) for key, tally in sorted(self._family.items())),
        )

    def close(self) -> None:
        """Delete the temporary file of the code-suite repeat counts; `add` and `finish` then start empty."""
        if self._code is not None:
            self._code.close()
            self._code = None

    def __enter__(self) -> SuiteMetricsCollector:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _is_ifeval(sample: Sample) -> bool:
    reference = sample.reference
    return isinstance(reference, dict) and "instruction_id_list" in reference


def _ifeval_scores(key: tuple[str, str], tally: _IFEvalTally) -> IFEvalScores:
    def share(count: int, total: int) -> float:
        return count / total if total else 0.0

    return IFEvalScores(
        model_id=key[0], suite=key[1], prompts=tally.prompts, instructions=tally.instructions,
        prompt_strict=share(tally.prompt_strict, tally.prompts), prompt_loose=share(tally.prompt_loose, tally.prompts),
        instruction_strict=share(tally.instruction_strict, tally.instructions),
        instruction_loose=share(tally.instruction_loose, tally.instructions),
    )


def guarded_pass_at_k(items: Mapping[str, list[int]] | Iterable[tuple[int, int]], k: int) -> PassAtK:
    """Mean pass@k over items given as (answered repeats, correct); None with a note when some item has fewer than k.

    Raises:
        ValueError: k < 1, or an item has invalid counts (see `harness.stats.pass_at_k`).
    """
    return guarded_pass_at_k_from_histogram(_histogram(items), k)


def guarded_pass_at_k_from_histogram(histogram: Mapping[tuple[int, int], int], k: int) -> PassAtK:
    """Do what `guarded_pass_at_k` does, for items given as {(answered repeats, correct): number of items}.

    Raises:
        ValueError: k < 1, or an entry has invalid counts (see `harness.stats.mean_pass_at_k_from_histogram`).
    """
    if k < 1:
        raise ValueError(f"pass@k needs k >= 1, got {k}")
    if not histogram:
        return PassAtK(k, None, "no answered items")
    fewest = min(n for n, _ in histogram)
    if fewest < k:
        short = sum(items for (n, _), items in histogram.items() if n < k)
        return PassAtK(k, None, f"undefined: {short} item(s) have fewer than {k} answered repeats (fewest {fewest})")
    return PassAtK(k, mean_pass_at_k_from_histogram(histogram, k))


def code_scores(model_id: str, suite: str, items: Mapping[str, list[int]], ks: Iterable[int] = PASS_AT_K) -> CodeScores:
    """pass@1 always, and each larger k of `ks` once some item has at least k repeats."""
    return code_scores_from_histogram(model_id, suite, _histogram(items), ks)


def code_scores_from_histogram(
    model_id: str, suite: str, histogram: Mapping[tuple[int, int], int], ks: Iterable[int] = PASS_AT_K
) -> CodeScores:
    """Do what `code_scores` does, for items given as {(answered repeats, correct): number of items}."""
    max_repeats = max((n for n, _ in histogram), default=0)
    chosen = [k for k in ks if k == 1 or k <= max_repeats]
    return CodeScores(
        model_id=model_id, suite=suite, items=sum(histogram.values()), min_repeats=min((n for n, _ in histogram), default=0),
        max_repeats=max_repeats, pass_at=tuple(guarded_pass_at_k_from_histogram(histogram, k) for k in chosen),
    )


def _histogram(items: Mapping[str, list[int]] | Iterable[tuple[int, int]]) -> Counter[tuple[int, int]]:
    """Count the items of each (answered repeats, correct) pair."""
    pairs = items.values() if isinstance(items, Mapping) else items
    return Counter((n, c) for n, c in pairs)


def _family_scores(key: tuple[str, str, str], tally: _FamilyTally) -> FamilyScores:
    counts = [(correct, answered) for correct, answered in tally.subtasks.values()]
    correct = sum(c for c, _ in counts)
    answered = sum(n for _, n in counts)
    subtask_mean, subtask_interval = subtask_mean_interval(counts)
    model_id, vertical, family = key
    return FamilyScores(
        model_id=model_id, vertical=vertical, family=family, suites=len(tally.suites), subtasks=len(counts),
        answered=answered, correct=correct, item_mean=correct / answered, item_interval=wilson_interval(correct, answered),
        subtask_mean=subtask_mean, subtask_interval=subtask_interval, published=PUBLISHED_MEAN.get(family, "items"),
    )


def suite_families(suite_ids: Iterable[str]) -> dict[str, str]:
    """Return suite id -> family for the given suites, read from the suite files; suites without one are left out."""
    from harness.errors import SuiteError
    from harness.suites.registry import discover

    try:
        registry = discover()
    except SuiteError as exc:
        logger.warning("suite families unknown, so the family table is left out: %s", exc)
        return {}
    families = {}
    for suite_id in suite_ids:
        suite = registry.get(suite_id)
        if suite is not None and suite.spec.family:
            families[suite_id] = suite.spec.family
    return families


def collector_for(manifest: Manifest) -> SuiteMetricsCollector:
    """Return a collector set up for a run's suites: their families and which of them run code."""
    code = [suite for suite, snapshot in manifest.suites.items() if snapshot.scorer == "code"]
    return SuiteMetricsCollector(suite_families(manifest.suites), code)


def compute_suite_metrics(samples: Iterable[Sample], manifest: Manifest) -> SuiteMetrics:
    """Read the samples once and return the run's suite metrics."""
    with collector_for(manifest) as collector:
        for sample in samples:
            collector.add(sample)
        return collector.finish()


def describe(metrics: SuiteMetrics) -> dict[str, Any]:
    """Return the suite metrics as formatted table rows for the report templates.

    Row keys avoid dict method names ('items', 'values'), which Jinja would look up first.
    """
    from harness.report.formatting import format_accuracy, format_percent

    return {
        "ifeval": [
            {"model": s.model_id, "suite": s.suite, "prompts": f"{s.prompts:,}", "instructions": f"{s.instructions:,}",
             "prompt_strict": format_percent(s.prompt_strict), "prompt_loose": format_percent(s.prompt_loose),
             "instruction_strict": format_percent(s.instruction_strict), "instruction_loose": format_percent(s.instruction_loose)}
            for s in metrics.ifeval
        ],
        "code": [
            {"model": s.model_id, "suite": s.suite, "item_count": f"{s.items:,}",
             "repeats": f"{s.min_repeats}" if s.min_repeats == s.max_repeats else f"{s.min_repeats}-{s.max_repeats}",
             "pass_values": "; ".join(f"pass@{p.k} {format_percent(p.value)}" if p.value is not None else f"pass@{p.k} n/a ({p.note})"
                                 for p in s.pass_at)}
            for s in metrics.code
        ],
        "families": [
            {"model": s.model_id, "vertical": s.vertical, "family": s.family, "suites": f"{s.suites}",
             "subtasks": f"{s.subtasks}", "answered": f"{s.answered:,}",
             "item_mean": format_accuracy(s.item_mean, s.item_interval),
             "subtask_mean": format_accuracy(s.subtask_mean, s.subtask_interval),
             "published": "mean over items" if s.published == "items" else "mean over subtasks"}
            for s in metrics.families
        ],
    }
