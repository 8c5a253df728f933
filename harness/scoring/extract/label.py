"""Label extraction: one label of a closed set, such as Yes/No or the Abercrombie classes."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from harness.scoring.extract.core import Extraction, ambiguous, distinct, is_blank, missing
from harness.scoring.extract.markup import clean_prose
from harness.scoring.extract.phrases import FILLER, PhraseSet, from_mentions, read_token_list
from harness.scoring.extract.statements import PROSE_MARKER, answer_statements, from_last_statement

# A label at the start of the reply counts only when punctuation or the line end follows,
# as in "Yes." or "No, because ...", so "No evidence suggests ..." is not read as "No".
_AFTER_LEADING_LABEL = re.compile(r"\s*(?:$|[.,;:!?)\-–—])")


@dataclass(frozen=True)
class _LabelSpec:
    """Matcher for one closed label set."""

    phrases: PhraseSet

    @classmethod
    def build(cls, labels: Sequence[str]) -> _LabelSpec:
        phrases = PhraseSet([(label, label) for label in labels])
        if not phrases.values:
            raise ValueError(f"invalid labels: {list(labels)!r}; pass at least one non-blank label")
        return cls(phrases)

    def read_list(self, text: str) -> tuple[list[str], int]:
        """Read labels joined by connectors at the start of ``text``, or after filler words.

        The start is tried first because a label may itself be a filler word ("both").
        """
        matches: list[re.Match[str]] = []
        end = 0
        for start in (0, FILLER.match(text).end()):
            matches, end = read_token_list(text, start, self.phrases.pattern, lambda _, __: True, strict_comma=True)
            if matches:
                break
        return distinct([self.phrases.value_of(match) for match in matches]), end


@functools.lru_cache(maxsize=256)
def _spec_for(labels: tuple[str, ...]) -> _LabelSpec:
    """Return the matcher of a label set, built once per set: building it compiles patterns."""
    return _LabelSpec.build(labels)


def _label_result(labels: Sequence[str], raw: str) -> Extraction:
    if len(labels) > 1:
        return ambiguous(raw, labels)
    return Extraction(labels[0], "ok", raw)


def _label_from_body(body: str, spec: _LabelSpec) -> Extraction | None:
    """Read the label after an answer marker: a leading label first, then a single mention."""
    labels, _ = spec.read_list(body)
    if labels:
        return _label_result(labels, body)
    return from_mentions(body, spec.phrases)


def _label_from_edges(text: str, spec: _LabelSpec) -> Extraction | None:
    """Use a label that opens the reply ("Yes.", "No, because ...") or forms its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    labels, end = spec.read_list(lines[0])
    if labels and _AFTER_LEADING_LABEL.match(lines[0], end):
        return _label_result(labels, lines[0])
    labels, end = spec.read_list(lines[-1])
    if labels and re.fullmatch(r"[\s.!)\]\"'”’]*", lines[-1][end:]):
        return _label_result(labels, lines[-1])
    return None


def extract_label(reply: str | None, labels: Sequence[str]) -> Extraction:
    """Extract one label of a closed set from a classification reply.

    Labels match case-insensitively on word boundaries after markdown is stripped. The
    strongest evidence is the last explicit answer statement. Next comes a label that opens
    the reply ("Yes." or "No, because ...") or forms its last line. Last come the labels
    mentioned anywhere, where a negated mention ("not generic") does not count.

    Args:
        reply: model reply. None and blank replies are missing.
        labels: the closed set of labels.

    Returns:
        The label as spelled in ``labels``, ambiguous when the answer names two different
        labels, or missing.

    Raises:
        ValueError: ``labels`` contains no non-blank label.
    """
    spec = _spec_for(tuple(labels))
    if is_blank(reply):
        return missing("empty reply")
    text = clean_prose(reply)
    statements = answer_statements(text, PROSE_MARKER)
    result = from_last_statement(statements, lambda body: _label_from_body(body, spec))
    if result is None:
        result = _label_from_edges(text, spec)
    if result is None:
        result = from_mentions(text, spec.phrases)
    return result or missing("no label found")
