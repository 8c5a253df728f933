"""The keyword query classifier: YAML rules that map words of a query to a vertical.

A query gets the vertical whose keywords it contains most often. No keyword gives the label
`other`; a runner-up vertical with at least `cross_domain_ratio` of the top count makes the
query cross-domain. Both go to the generalist model when a policy routes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.config import format_validation_error
from harness.errors import ConfigError
from harness.routing.classify import OTHER, Classification

DEFAULT_RULES = Path(__file__).with_name("default_rules.yaml")


class KeywordRules(BaseModel):
    """Keyword lists per vertical, as a user writes them in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verticals: dict[str, list[str]] = Field(min_length=1)
    """Keywords or phrases per vertical; an entry starting with 're:' is a regular expression."""
    cross_domain_ratio: float = Field(default=0.9, gt=0, le=1)
    """A runner-up count of at least this share of the top count marks the query cross-domain."""

    @field_validator("verticals")
    @classmethod
    def _valid_patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for vertical, words in value.items():
            if vertical == OTHER:
                raise ValueError(f"'{OTHER}' is the label for queries that match no rule; do not list it as a vertical")
            for word in words:
                try:
                    _compile(word)
                except re.error as exc:
                    raise ValueError(f"vertical '{vertical}': invalid regular expression {word!r}: {exc}") from None
        return value


def load_rules(path: str | Path | None = None) -> KeywordRules:
    """Read keyword rules from a YAML file, or the shipped default rules when path is None.

    Raises:
        ConfigError: the file is missing, is not YAML, or does not match the rules schema.
    """
    path = Path(path) if path is not None else DEFAULT_RULES
    if not path.is_file():
        raise ConfigError(f"keyword rules file not found: {path}. Copy {DEFAULT_RULES} and pass its path.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return KeywordRules.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}. Fix the syntax at the line shown.") from None
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path)).replace("run config", "keyword rules file")) from None


def _compile(word: str) -> re.Pattern[str]:
    if word.startswith("re:"):
        return re.compile(word.removeprefix("re:"), re.IGNORECASE)
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


class KeywordClassifier:
    """Classifies a query by counting each vertical's keyword matches."""

    kind = "keyword"

    def __init__(self, rules: KeywordRules) -> None:
        self.rules = rules
        self._patterns = {vertical: [_compile(word) for word in words] for vertical, words in rules.verticals.items()}

    @property
    def labels(self) -> tuple[str, ...]:
        """The verticals the rules name."""
        return tuple(self._patterns)

    def classify(self, text: str) -> Classification:
        """Return the vertical with the most keyword matches, its share of all matches, and whether it is cross-domain."""
        counts = {vertical: sum(len(pattern.findall(text)) for pattern in patterns) for vertical, patterns in self._patterns.items()}
        ranked = sorted(counts.items(), key=lambda pair: -pair[1])
        top_vertical, top = ranked[0]
        total = sum(counts.values())
        if top == 0:
            return Classification(OTHER, 0.0, False)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        return Classification(top_vertical, top / total, runner_up >= self.rules.cross_domain_ratio * top)

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """Classify each text."""
        return [self.classify(text) for text in texts]
