"""Prompt files: a benchmark's own prompt, kept as text beside its data.

LegalBench ships each task's few-shot prompt as `base_prompt.txt`, with `{{text}}` where the
item goes (Guha et al. 2023, arXiv:2308.11462). With a data dir the file is read from it;
with the hub source it is fetched from the HTTPS address in the suite, pinned to a commit,
because the hub copy of the dataset holds only the rows.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import DatasetError, SuiteError
from harness.suites.spec import PromptFile

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_S = 60.0
# A slot is a row column in double braces; spaces inside the braces are allowed.
_SLOT = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def read_prompt_file(prompt_file: PromptFile, base: Path | None, suite_id: str) -> str:
    """Return the text of a suite's prompt file: from `base` (the local source's folder) when
    the local source is in use and the file names a local path, else from its URL.

    Raises:
        DatasetError: the file is missing or unreadable, the URL cannot be fetched, or the
            source in use has no way to reach the file.
    """
    if base is not None and prompt_file.local is not None:
        return _read_local(base / prompt_file.local, suite_id)
    if base is None and prompt_file.url is not None:
        return _fetch(prompt_file.url, suite_id)
    where = "a data dir (--data-dir)" if prompt_file.local is not None else "the hub source (no --data-dir)"
    raise DatasetError(f"suite {suite_id}: its prompt file can only be read with {where}; run it that way or add the missing 'local' or 'url'")


def _read_local(path: Path, suite_id: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(
            f"suite {suite_id}: cannot read its prompt file {path} ({exc.strerror or exc}). "
            "Check --data-dir and that the dataset folder holds the file."
        ) from exc


def _fetch(url: str, suite_id: str) -> str:
    logger.info("suite %s: fetching its prompt file from %s", suite_id, url)
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 (https only, checked by the schema)
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"suite {suite_id}: cannot fetch its prompt file from {url}: {exc}. "
            "Offline, pass --data-dir with a local copy of the dataset and its prompt file."
        ) from exc


def fill_slots(text: str, row: Mapping[str, Any], *, suite_id: str, item_id: str) -> str:
    """Replace each `{{column}}` slot of a prompt file with the row's value, as written.

    Raises:
        SuiteError: a slot names a column the row does not have.
    """

    def value(match: re.Match[str]) -> str:
        column = match.group(1)
        if column not in row:
            raise SuiteError(
                f"suite {suite_id}: the prompt file has a slot {{{{{column}}}}}, but item {item_id} has no "
                f"column {column!r}. Columns present: {sorted(row)}"
            )
        return str(row[column])

    return _SLOT.sub(value, text)
