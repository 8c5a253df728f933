"""The keyword and trained query classifiers, their training data and their evaluation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.routing.classify import OTHER, Classification, LabelledText, TrainedClassifier, cross_fit, evaluate
from harness.routing.corpus import boilerplate, query_text, strip_boilerplate, suite_corpus
from harness.routing.keywords import KeywordClassifier, load_rules

DATA_DIR = Path(os.environ.get("VERTICALBENCH_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data"))

RULES = """
verticals:
  legal: [lease, court, "re:statute of \\\\w+"]
  medical: [patient, dose]
cross_domain_ratio: 1.0
"""


def _rules(tmp_path: Path, text: str = RULES) -> KeywordClassifier:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return KeywordClassifier(load_rules(path))


def test_keyword_counts_whole_words(tmp_path: Path) -> None:
    classifier = _rules(tmp_path)
    assert classifier.classify("The Lease went to court.") == Classification("legal", 1.0, False)
    assert classifier.classify("Courtship and leases") == Classification(OTHER, 0.0, False)


def test_keyword_regex_entry(tmp_path: Path) -> None:
    assert _rules(tmp_path).classify("the statute of limitations").label == "legal"


def test_keyword_tie_is_cross_domain(tmp_path: Path) -> None:
    verdict = _rules(tmp_path).classify("The patient signed a lease")
    assert verdict.cross_domain
    assert verdict.probability == pytest.approx(0.5)


def test_keyword_rules_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="invalid regular expression"):
        _rules(tmp_path, "verticals:\n  legal: ['re:(']\n")
    with pytest.raises(ConfigError, match="label for queries that match no rule"):
        _rules(tmp_path, "verticals:\n  other: [x]\n")


def test_shipped_rules_cover_starter_suites() -> None:
    corpus = suite_corpus(None)
    lines = boilerplate(corpus.examples)
    classifier = KeywordClassifier(load_rules())
    verdicts = classifier.classify_many([strip_boilerplate(example.text, lines) for example in corpus.examples])
    evaluation = evaluate("keyword", "starter", corpus.examples, verdicts, [], 0.0)
    assert evaluation.items == 48
    assert evaluation.accuracy is not None and evaluation.accuracy >= 0.75


EXAMPLES = [
    LabelledText(("legal/a", str(n)), text, "legal")
    for n, text in enumerate(["the tenant broke the lease", "the court heard the witness", "a contract clause was breached",
                              "the judge ruled on the statute"])
] + [
    LabelledText(("medical/b", str(n)), text, "medical")
    for n, text in enumerate(["the patient took a dose", "blood pressure of the patient", "the doctor prescribed a drug",
                              "a dose of insulin for the patient"])
]


def test_trained_classifier_learns_words() -> None:
    classifier = TrainedClassifier.train(EXAMPLES)
    assert classifier.labels == ("legal", "medical")
    assert classifier.classify("the patient and the dose").label == "medical"
    assert classifier.classify("the court and the lease").label == "legal"


def test_trained_classifier_needs_two_verticals() -> None:
    with pytest.raises(ValueError, match="at least two verticals"):
        TrainedClassifier.train(EXAMPLES[:4])


def test_cross_fit_never_trains_on_target(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[set[tuple[str, str]]] = []
    original = TrainedClassifier.train.__func__  # type: ignore[attr-defined]

    def spy(cls, examples, seed=0, cross_domain_ratio=0.9):  # type: ignore[no-untyped-def]
        seen.append({example.key for example in examples})
        return original(cls, examples, seed, cross_domain_ratio)

    monkeypatch.setattr(TrainedClassifier, "train", classmethod(spy))
    verdicts = cross_fit(EXAMPLES, EXAMPLES, folds=4, seed=3)
    assert len(verdicts) == len(EXAMPLES)
    assert len(seen) == 4
    for keys in seen:
        assert len(keys) == 6  # each fold holds out 2 of the 8 items
    assert set.union(*({e.key for e in EXAMPLES} - keys for keys in seen)) == {e.key for e in EXAMPLES}


def test_evaluation_confusion_and_recall() -> None:
    targets = [LabelledText(("s", "1"), "", "legal"), LabelledText(("s", "2"), "", "legal"), LabelledText(("s", "3"), "", "medical")]
    verdicts = [Classification("legal", 1, False), Classification(OTHER, 0, False), Classification("legal", 0.6, True)]
    evaluation = evaluate("keyword", "hand", targets, verdicts, [0.001, 0.003], 0.0)
    assert evaluation.accuracy == pytest.approx(1 / 3)
    assert evaluation.confusion == {"legal": {"legal": 1, OTHER: 1}, "medical": {"legal": 1}}
    assert evaluation.vertical_accuracy("legal") == pytest.approx(0.5)
    assert evaluation.vertical_accuracy("medical") == 0.0
    assert evaluation.cross_domain == 1
    assert evaluation.latency_ms_p50 == pytest.approx(2.0)


def test_boilerplate_removes_template_lines() -> None:
    texts = [f"Answer the following legal question.\n\nQuestion {n}: is it {n}?\nEnd with Answer: Yes." for n in range(4)]
    examples = [LabelledText(("legal/x", str(n)), text, "legal") for n, text in enumerate(texts)]
    lines = boilerplate(examples)
    assert lines == {"Answer the following legal question.", "End with Answer: Yes."}
    assert strip_boilerplate(texts[0], lines).strip() == "Question 0: is it 0?"


def test_query_text_joins_user_turns() -> None:
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    assert query_text(messages) == "a\n\nb"


@pytest.mark.slow  # reading 36 suites through `datasets` takes about a minute
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="public suite data not found; set VERTICALBENCH_DATA_DIR")
def test_trained_beats_keyword_on_public_suites() -> None:
    """Out-of-fold accuracy on 40 items per suite of the public and starter suites, template lines removed."""
    corpus = suite_corpus(DATA_DIR, per_suite=40)
    assert len(corpus.suites) > 20
    lines = boilerplate(corpus.examples)
    examples = [LabelledText(e.key, strip_boilerplate(e.text, lines), e.label) for e in corpus.examples]
    trained = evaluate("trained", "5-fold", examples, cross_fit(examples, examples, folds=5), [], 0.0)
    keyword = evaluate("keyword", "rules", examples, KeywordClassifier(load_rules()).classify_many([e.text for e in examples]), [], 0.0)
    assert trained.accuracy is not None and trained.accuracy > 0.8
    assert keyword.accuracy is not None and trained.accuracy > keyword.accuracy
    assert set(trained.confusion) == {"code", "creative", "finance", "legal", "medical", "science"}
