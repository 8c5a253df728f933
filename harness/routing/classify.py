"""Query classification: the trained classifier, out-of-fold predictions and their evaluation.

The trained classifier is TF-IDF features (words seen in at least two queries, sublinear term
frequency) with a multinomial logistic regression from scikit-learn. Word bigrams were
measured too: on 2,983 suite prompts they gave the same out-of-fold accuracy (93.8%) at three
times the training time. Training is seeded and
takes seconds, so a classifier is retrained when needed and never stored as a pickle.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from harness.stats import percentile

OTHER = "other"
"""Label of a query that matches no vertical."""


@dataclass(frozen=True)
class Classification:
    """A classifier's verdict on one query."""

    label: str
    """A vertical, or OTHER."""
    probability: float
    """The classifier's score for the label in [0, 1]: a class probability, or a keyword share."""
    cross_domain: bool
    """True when a second vertical scored almost as high, so the query belongs to no single vertical."""


class LabelledText(NamedTuple):
    """One training or evaluation query: its identity, its text and its true vertical."""

    key: tuple[str, str]
    """(suite id, item id)."""
    text: str
    label: str


class Classifier(Protocol):
    """The interface routing needs from a query classifier."""

    kind: str

    def classify(self, text: str) -> Classification: ...

    def classify_many(self, texts: Sequence[str]) -> list[Classification]: ...


class TrainedClassifier:
    """TF-IDF with logistic regression, trained on labelled suite items."""

    kind = "trained"

    def __init__(self, pipeline: Any, cross_domain_ratio: float = 0.9) -> None:
        self._pipeline = pipeline
        self._labels: list[str] = [str(label) for label in pipeline.classes_]
        self.cross_domain_ratio = cross_domain_ratio

    @classmethod
    def train(cls, examples: Sequence[LabelledText], seed: int = 0, cross_domain_ratio: float = 0.9) -> TrainedClassifier:
        """Fit the classifier on the examples.

        Raises:
            ValueError: the examples name fewer than two verticals, so there is nothing to learn.
        """
        labels = {example.label for example in examples}
        if len(labels) < 2:
            raise ValueError(f"a trained classifier needs items of at least two verticals, got {sorted(labels) or 'none'}")
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        # Balanced class weights keep a large suite (MMLU professional law has 1,534 items)
        # from drowning the small verticals.
        pipeline = make_pipeline(
            TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=20_000),
            LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed),
        )
        pipeline.fit([example.text for example in examples], [example.label for example in examples])
        return cls(pipeline, cross_domain_ratio)

    @property
    def labels(self) -> tuple[str, ...]:
        """The verticals the classifier was trained on."""
        return tuple(self._labels)

    def classify(self, text: str) -> Classification:
        """Return the most probable vertical of one query."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """Return the most probable vertical of each query."""
        if not texts:
            return []
        results = []
        for row in self._pipeline.predict_proba(list(texts)):
            ranked = sorted(range(len(row)), key=lambda index: -row[index])
            top = float(row[ranked[0]])
            runner_up = float(row[ranked[1]]) if len(ranked) > 1 else 0.0
            results.append(Classification(self._labels[ranked[0]], top, runner_up >= self.cross_domain_ratio * top))
        return results


def cross_fit(pool: Sequence[LabelledText], targets: Sequence[LabelledText], folds: int = 5, seed: int = 0,
              cross_domain_ratio: float = 0.9) -> list[Classification]:
    """Return out-of-fold classifications of the targets.

    The targets are split into `folds` seeded folds. Each fold is classified by a classifier
    trained on the pool without that fold's items (matched by key), so no target is ever
    classified by a model that saw it.

    Raises:
        ValueError: a fold's training set names fewer than two verticals.
    """
    order = list(range(len(targets)))
    random.Random(seed).shuffle(order)
    fold_of = {index: position % folds for position, index in enumerate(order)}
    results: list[Classification | None] = [None] * len(targets)
    for fold in range(min(folds, len(targets))):
        members = [index for index in range(len(targets)) if fold_of[index] == fold]
        held_out = {targets[index].key for index in members}
        training = [example for example in pool if example.key not in held_out]
        classifier = TrainedClassifier.train(training, seed=seed, cross_domain_ratio=cross_domain_ratio)
        for index, verdict in zip(members, classifier.classify_many([targets[index].text for index in members])):
            results[index] = verdict
    return [verdict for verdict in results if verdict is not None]


@dataclass(frozen=True)
class ClassifierEvaluation:
    """Accuracy, confusion matrix, latency and cost of a classifier on labelled queries."""

    kind: str
    method: str
    """How the predictions were made, e.g. '5-fold out-of-fold on the run's items'."""
    items: int
    correct: int
    confusion: dict[str, dict[str, int]]
    """Counts per true vertical (outer key) and predicted label (inner key, OTHER included)."""
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    """Milliseconds to classify one query alone, measured on this machine."""
    cost_per_query_usd: float
    training_items: int = 0
    cross_domain: int = 0
    """Queries marked cross-domain, which a policy sends to the generalist."""
    labels: tuple[str, ...] = field(default=())

    @property
    def accuracy(self) -> float | None:
        """Share of queries whose predicted label is their true vertical."""
        return self.correct / self.items if self.items else None

    def vertical_accuracy(self, vertical: str) -> float | None:
        """Share of one vertical's queries that the classifier labelled with it (its recall)."""
        row = self.confusion.get(vertical, {})
        total = sum(row.values())
        return row.get(vertical, 0) / total if total else None


def evaluate(kind: str, method: str, targets: Sequence[LabelledText], verdicts: Sequence[Classification],
             latencies_s: Sequence[float], cost_per_query_usd: float, training_items: int = 0) -> ClassifierEvaluation:
    """Compare verdicts with the targets' true verticals."""
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for target, verdict in zip(targets, verdicts, strict=True):
        confusion[target.label][verdict.label] += 1
    correct = sum(target.label == verdict.label for target, verdict in zip(targets, verdicts))
    latencies_ms = [value * 1000 for value in latencies_s]
    labels = sorted({target.label for target in targets} | {verdict.label for verdict in verdicts})
    return ClassifierEvaluation(
        kind=kind, method=method, items=len(targets), correct=correct,
        confusion={true: dict(row) for true, row in sorted(confusion.items())},
        latency_ms_p50=percentile(latencies_ms, 50) if latencies_ms else None,
        latency_ms_p95=percentile(latencies_ms, 95) if latencies_ms else None,
        cost_per_query_usd=cost_per_query_usd, training_items=training_items,
        cross_domain=sum(verdict.cross_domain for verdict in verdicts), labels=tuple(labels),
    )


def single_query_latencies(classifier: Classifier, texts: Sequence[str], limit: int = 100) -> list[float]:
    """Time `classify` on up to `limit` queries one at a time, as a live router calls it, in seconds."""
    timings = []
    for text in texts[:limit]:
        started = time.perf_counter()
        classifier.classify(text)
        timings.append(time.perf_counter() - started)
    return timings
