"""Suite definition: the schema of a `tasks/<vertical>/<name>.yaml` file.

A suite names one dataset, the mapping from its rows to items, a Jinja prompt
template, optional few-shot examples or a prompt file written by the benchmark's
authors, and the scorer. The same suite can read the dataset from the Hugging Face
hub or from a local copy under a data dir.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SuiteKind = Literal["benchmark", "starter"]
ScorerName = Literal["choice", "numeric", "label", "code", "ifeval"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HubSource(_Strict):
    """A dataset on the Hugging Face hub, loaded with `datasets.load_dataset`."""

    path: str
    """Dataset id, e.g. 'cais/mmlu'."""
    name: str | None = None
    """Config name, e.g. 'anatomy'."""
    split: str = "test"
    revision: str | None = None
    """Git revision (commit or tag) to pin the dataset version."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Field mapping overrides for the hub's column names."""


class LocalSource(_Strict):
    """Local JSON Lines files, relative to the data dir (or to the suite file for bundled data)."""

    files: list[str] = Field(min_length=1)
    """File paths or glob patterns."""
    relative_to: Literal["data_dir", "suite"] = "data_dir"
    """'data_dir' for local copies of public datasets, 'suite' for data shipped beside the suite file."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Field mapping overrides for the local files' column names."""


class Source(_Strict):
    """Where a suite's rows come from; with a data dir set, the local copy wins."""

    hub: HubSource | None = None
    local: LocalSource | None = None
    license: str | None = None
    citation: str | None = None
    """Paper or dataset the suite is built on."""

    @model_validator(mode="after")
    def _one_at_least(self) -> Source:
        if self.hub is None and self.local is None:
            raise ValueError("a source needs 'hub', 'local' or both")
        return self


class FewShot(_Strict):
    """Few-shot examples drawn from another split or file of the same dataset."""

    n: int = Field(ge=1, le=64)
    hub_split: str | None = None
    """Split of the hub dataset to draw from, e.g. 'dev' or 'train'."""
    local_files: list[str] = Field(default_factory=list)
    """Local files to draw from, relative like the main source."""
    filter_field: str | None = None
    """Keep only examples whose field equals the item's, e.g. 'subject' for MMLU."""


class PromptFile(_Strict):
    """A prompt written by the benchmark's authors, kept in a text file beside the data.

    Its `{{column}}` slots are filled with the row's values (LegalBench's convention), and
    the result is available to the suite's template as `prompt_file`.
    """

    local: str | None = None
    """Path relative to the data dir (or to the suite file for bundled data), used with the local source."""
    url: str | None = Field(default=None, pattern=r"^https://")
    """HTTPS address of the same file, pinned to a commit, used with the hub source."""

    @model_validator(mode="after")
    def _one_at_least(self) -> PromptFile:
        if self.local is None and self.url is None:
            raise ValueError("a prompt file needs 'local', 'url' or both")
        return self


class Prompt(_Strict):
    """Messages sent for each item, rendered with Jinja (`row`, `item`, `fewshot`, `letters`, `prompt_file`)."""

    system: str | None = None
    template: str
    """User message template."""
    fewshot: FewShot | None = None
    template_file: PromptFile | None = None
    """The benchmark's own prompt file, offered to the template as `prompt_file`."""


class Answer(_Strict):
    """What the reference answer looks like and how to read a reply."""

    type: Literal["choice", "number", "label", "code", "instructions"]
    labels: list[str] = Field(default_factory=list)
    """Closed label set for type 'label'."""
    parentheses_negative: bool = False
    """Read '(1,234)' as -1234, as accounting tables do."""
    rel_tol: float = Field(default=1e-4, ge=0)
    abs_tol: float = Field(default=1e-6, ge=0)
    scale_field: str | None = None
    """Row field naming the reference's scale ('', 'thousand', 'million', 'percent')."""

    @model_validator(mode="after")
    def _labels_for_label(self) -> Answer:
        if self.type == "label" and len(self.labels) < 2:
            raise ValueError("answer type 'label' needs at least two 'labels'")
        return self


class FieldMap(_Strict):
    """Where each item property comes from: a column name or a Jinja expression over `row`."""

    id: str | None = None
    """Column with a stable item id; None numbers the rows."""
    reference: str
    """Column or expression with the reference answer."""
    choices: str | None = None
    """Column with the list of options (multiple choice)."""
    group: str | None = None
    """Column naming the subtask, e.g. MMLU's 'subject'."""


class SuiteSpec(_Strict):
    """One suite file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    vertical: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    kind: SuiteKind = "benchmark"
    description: str
    source: Source
    fields: FieldMap
    prompt: Prompt
    answer: Answer
    scorer: ScorerName
    scorer_options: dict[str, Any] = Field(default_factory=dict)
    max_tokens: int = Field(default=256, ge=1)
    """Output token limit for this suite's requests, unless a model sets its own."""
    family: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    """Suites of one vertical that together make one benchmark score, e.g. 'mmlu' or 'legalbench'."""
    variant_of: str | None = None
    """Suite id ('<vertical>/<name>') whose items this suite sends in another prompt format, e.g.
    zero-shot. A pattern selects a variant only when it does not also select that suite, so
    'legal/*' runs each benchmark once and 'legal/*-zero-shot' runs the zero-shot variants."""

    @property
    def id(self) -> str:
        """The suite's full name, '<vertical>/<name>'."""
        return f"{self.vertical}/{self.name}"
