"""Query classifiers for a run: built from the suites' items, evaluated on the run's items without leakage.

Both kinds classify the query with the suites' template lines removed (see
`harness.routing.corpus.boilerplate`). The keyword classifier needs no training, so it is
applied to every item. The trained classifier's verdicts on a run's items are out-of-fold
(`harness.routing.classify.cross_fit`), so the accuracy reported is a held-out accuracy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.routing.classify import Classification, Classifier, LabelledText, TrainedClassifier, cross_fit, evaluate, single_query_latencies
from harness.routing.corpus import DEFAULT_PER_SUITE, Corpus, boilerplate, merge, strip_boilerplate, suite_corpus
from harness.routing.keywords import KeywordClassifier, load_rules
from harness.routing.results import ClassifierResult
from harness.routing.simulate import ClassifierCost
from harness.routing.table import ItemKey, RoutingTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassifierSetup:
    """Sources of training data, and the cost of one classification."""

    rules_path: Path | None = None
    """Keyword rules file; None uses the shipped rules."""
    data_dir: Path | None = None
    """Local copies of the public suites, added to the training data when set."""
    per_suite: int = DEFAULT_PER_SUITE
    folds: int = 5
    seed: int = 0
    cost_per_query_usd: float = 0.0
    """US dollars charged per classification; both classifiers run in-process, so 0 unless the user sets it."""
    tasks_dir: Path | None = None


class StrippedClassifier:
    """A classifier that first removes the suites' template lines from the query."""

    def __init__(self, inner: Classifier, lines: frozenset[str]) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.lines = lines

    def classify(self, text: str) -> Classification:
        """Classify one query."""
        return self.inner.classify(strip_boilerplate(text, self.lines))

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """Classify each query."""
        return self.inner.classify_many([strip_boilerplate(text, self.lines) for text in texts])


def build_classifier(kind: str, examples: Sequence[LabelledText], setup: ClassifierSetup) -> StrippedClassifier:
    """Build a classifier of the given kind ('keyword' or 'trained') from labelled queries, for live routing.

    Raises:
        ValueError: a trained classifier gets items of fewer than two verticals.
        ConfigError: the keyword rules file is missing or invalid.
    """
    lines = boilerplate(examples)
    if kind == "keyword":
        return StrippedClassifier(KeywordClassifier(load_rules(setup.rules_path)), lines)
    stripped = [LabelledText(example.key, strip_boilerplate(example.text, lines), example.label) for example in examples]
    return StrippedClassifier(TrainedClassifier.train(stripped, seed=setup.seed), lines)


@dataclass(frozen=True)
class RunVerdicts:
    """One classifier's verdicts on a run's items, its evaluation and its cost per query."""

    verdicts: dict[ItemKey, Classification]
    result: ClassifierResult
    cost: ClassifierCost


def run_targets(table: RoutingTable) -> list[LabelledText]:
    """Return the run's items as labelled queries."""
    return [LabelledText(item.key, item.text, item.vertical) for item in table.items]


def load_corpus(setup: ClassifierSetup) -> Corpus:
    """Load the suites' items that can be read locally."""
    return suite_corpus(setup.data_dir, per_suite=setup.per_suite, seed=setup.seed or 1234, tasks_dir=setup.tasks_dir)


def classify_run(kind: str, table: RoutingTable, corpus: Corpus, setup: ClassifierSetup) -> RunVerdicts:
    """Classify every item of the table with held-out verdicts and evaluate them.

    Raises:
        ValueError: a trained classifier cannot be trained (fewer than two verticals).
    """
    targets = run_targets(table)
    pool = merge(targets, corpus.examples)
    classifier = build_classifier(kind, pool, setup)
    if kind == "keyword":
        verdicts = classifier.classify_many([target.text for target in targets])
        method = f"keyword rules applied to the run's {len(targets)} items (no training)"
        training = 0
    else:
        lines = classifier.lines
        stripped_pool = [LabelledText(e.key, strip_boilerplate(e.text, lines), e.label) for e in pool]
        stripped_targets = [LabelledText(t.key, strip_boilerplate(t.text, lines), t.label) for t in targets]
        verdicts = cross_fit(stripped_pool, stripped_targets, folds=setup.folds, seed=setup.seed)
        method = (f"{setup.folds}-fold out-of-fold on the run's {len(targets)} items; trained on the other items of "
                  f"{len(pool)} from the run and {len(corpus.suites)} suite(s), at most {setup.per_suite} per suite")
        training = len(pool)
    latencies = single_query_latencies(classifier, [target.text for target in targets])
    evaluation = evaluate(kind, method, targets, verdicts, latencies, setup.cost_per_query_usd, training)
    result = ClassifierResult(
        kind=kind, method=method, items=evaluation.items, correct=evaluation.correct, accuracy=evaluation.accuracy,
        per_vertical={vertical: evaluation.vertical_accuracy(vertical) for vertical in evaluation.confusion},
        confusion=evaluation.confusion, latency_ms_p50=evaluation.latency_ms_p50, latency_ms_p95=evaluation.latency_ms_p95,
        cost_per_query_usd=setup.cost_per_query_usd, training_items=training, cross_domain=evaluation.cross_domain,
        notes=[f"template lines removed before classifying: {len(classifier.lines)}"],
    )
    mean_latency = sum(latencies) / len(latencies) if latencies else 0.0
    by_key = {target.key: verdict for target, verdict in zip(targets, verdicts)}
    return RunVerdicts(by_key, result, ClassifierCost(usd=setup.cost_per_query_usd, latency_s=mean_latency))
