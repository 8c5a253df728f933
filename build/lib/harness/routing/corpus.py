"""Training data of the query classifier: the rendered prompts of the suites' items, labelled by vertical.

A query's text is what a router sees: the user turns of the messages sent, rendered from
the suite's template. The starter suites ship with the repository; public suites join when
a data dir holds their local copies (they are never fetched from the hub here).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import DatasetError, SuiteError
from harness.routing.classify import LabelledText
from harness.suites.loader import load_suite
from harness.suites.prompt import build_messages
from harness.suites.registry import SuiteFile, discover

logger = logging.getLogger(__name__)

DEFAULT_PER_SUITE = 200
"""Items drawn from each suite (a seeded sample), so one large suite does not dominate training time."""


@dataclass(frozen=True)
class Corpus:
    """Labelled queries and what was left out."""

    examples: tuple[LabelledText, ...]
    suites: tuple[str, ...]
    """Suites that contributed items."""
    skipped: tuple[str, ...]
    """One line per suite that could not be read, with the reason."""


def query_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """Return the text a router classifies: the user turns of the messages, joined by blank lines."""
    return "\n\n".join(str(message.get("content") or "") for message in messages if message.get("role") == "user")


def suite_corpus(data_dir: Path | None, per_suite: int = DEFAULT_PER_SUITE, seed: int = 1234,
                 tasks_dir: Path | None = None) -> Corpus:
    """Load up to `per_suite` items of every suite that can be read locally, as labelled queries.

    Suites whose data lives beside the suite file always load; suites that read a data dir
    load only when `data_dir` is set. A suite that fails to load is skipped and named.
    """
    examples: list[LabelledText] = []
    used: list[str] = []
    skipped: list[str] = []
    for suite in discover(tasks_dir).values():
        if not _reads_locally(suite, data_dir):
            skipped.append(f"{suite.spec.id}: needs --data-dir (or the hub)")
            continue
        try:
            loaded = load_suite(suite, data_dir, limit=per_suite, seed=seed)
            texts = [query_text(build_messages(suite.spec, item)) for item in loaded.items]
        except (DatasetError, SuiteError) as exc:
            logger.info("classifier corpus: skipping %s: %s", suite.spec.id, exc)
            skipped.append(f"{suite.spec.id}: {str(exc).splitlines()[0][:160]}")
            continue
        examples += [LabelledText((suite.spec.id, item.id), text, suite.spec.vertical) for item, text in zip(loaded.items, texts)]
        used.append(suite.spec.id)
    return Corpus(tuple(examples), tuple(used), tuple(skipped))


def _reads_locally(suite: SuiteFile, data_dir: Path | None) -> bool:
    local = suite.spec.source.local
    return local is not None and (local.relative_to == "suite" or data_dir is not None)


def merge(*groups: Iterable[LabelledText]) -> list[LabelledText]:
    """Join groups of examples, keeping the first example of each key."""
    seen: set[tuple[str, str]] = set()
    merged = []
    for group in groups:
        for example in group:
            if example.key not in seen:
                seen.add(example.key)
                merged.append(example)
    return merged


def boilerplate(examples: Iterable[LabelledText], share: float = 0.5, min_items: int = 4) -> frozenset[str]:
    """Return the template lines of the suites: lines found in at least `share` of one suite's items.

    Suites wrap every question in the same instructions ("Answer the following legal
    question."), which name the vertical outright. Users' queries carry no such wrapper, so
    a classifier that learned the wrapper would look better on benchmark prompts than on real
    traffic. Suites with fewer than `min_items` items are not inspected.
    """
    by_suite: dict[str, list[str]] = {}
    for example in examples:
        by_suite.setdefault(example.key[0], []).append(example.text)
    lines: set[str] = set()
    for texts in by_suite.values():
        if len(texts) < min_items:
            continue
        counts: dict[str, int] = {}
        for text in texts:
            for line in {line.strip() for line in text.splitlines() if line.strip()}:
                counts[line] = counts.get(line, 0) + 1
        lines |= {line for line, count in counts.items() if count >= share * len(texts)}
    return frozenset(lines)


def strip_boilerplate(text: str, lines: frozenset[str]) -> str:
    """Remove the template lines from a query, keeping the rest in order."""
    return "\n".join(line for line in text.splitlines() if line.strip() not in lines)
