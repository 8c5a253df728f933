"""Dataset loading: a suite's rows from the Hugging Face hub or local files, mapped to items.

Both paths go through `datasets.load_dataset`, so a suite reads the same columns
online and offline; a data dir makes a suite read its local copy.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.errors import DatasetError, SuiteError
from harness.json_lines import JsonLineError, read_objects
from harness.suites.items import Item
from harness.suites.prompt import compile_field
from harness.suites.prompt_file import read_prompt_file
from harness.suites.registry import SuiteFile
from harness.suites.spec import FieldMap, SuiteSpec

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "VERTICALBENCH_DATA_DIR"


@dataclass(frozen=True)
class LoadedSuite:
    """A suite with its items and a description of where they came from."""

    spec: SuiteSpec
    items: list[Item]
    source: str
    fingerprint: str
    total_rows: int


def resolve_data_dir(data_dir: str | Path | None) -> Path | None:
    """Return the data dir from the option, else from $VERTICALBENCH_DATA_DIR, else None."""
    value = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser().resolve() if value else None


def load_suite(suite: SuiteFile, data_dir: Path | None, *, limit: int | None = None, seed: int = 1234) -> LoadedSuite:
    """Load a suite's items, subsampled to `limit` with a seeded draw that keeps dataset order.

    Raises:
        DatasetError: the dataset cannot be found or read, or a row does not fit the mapping.
    """
    spec = suite.spec
    rows, source, fields = _read_rows(suite, data_dir)
    fewshot_pool = _read_fewshot(suite, data_dir) if spec.prompt.fewshot else []
    items = [_to_item(spec, fields, row, index, source) for index, row in enumerate(rows)]
    _check_unique_ids(spec, items)
    total = len(items)
    if limit is not None and limit < total:
        keep = sorted(random.Random(seed).sample(range(total), limit))
        items = [items[index] for index in keep]
    if spec.prompt.fewshot:
        items = [_attach_fewshot(spec, item, fewshot_pool) for item in items]
    if spec.prompt.template_file is not None:
        text = read_prompt_file(spec.prompt.template_file, _local_base(suite, data_dir), spec.id)
        items = [replace(item, prompt_file=text) for item in items]
    return LoadedSuite(spec=spec, items=items, source=source, fingerprint=_fingerprint(items), total_rows=total)


def _local_base(suite: SuiteFile, data_dir: Path | None) -> Path | None:
    """Return the folder the local source reads from, or None when the hub source is in use."""
    local = suite.spec.source.local
    if local is None:
        return None
    if local.relative_to == "suite":
        return suite.path.parent
    return data_dir


def _read_rows(suite: SuiteFile, data_dir: Path | None) -> tuple[list[dict[str, Any]], str, FieldMap]:
    spec = suite.spec
    local = spec.source.local
    base = _local_base(suite, data_dir)
    if local is not None and base is not None:
        files = _expand(base, local.files, spec.id)
        return _load_json_files(files, spec.id), f"local:{','.join(local.files)}", _merge_fields(spec.fields, local.fields)
    if spec.source.hub is not None:
        hub = spec.source.hub
        rows = _load_hub(hub.path, hub.name, hub.split, hub.revision, spec.id)
        label = f"hub:{hub.path}" + (f"/{hub.name}" if hub.name else "") + f":{hub.split}@{hub.revision or 'latest'}"
        return rows, label, _merge_fields(spec.fields, hub.fields)
    raise DatasetError(
        f"suite {spec.id} reads local files but no data dir is set. Pass --data-dir DIR "
        f"(or set {DATA_DIR_ENV}) pointing at the folder that holds {', '.join(local.files if local else [])}."
    )


def _read_fewshot(suite: SuiteFile, data_dir: Path | None) -> list[dict[str, Any]]:
    spec = suite.spec
    fewshot = spec.prompt.fewshot
    assert fewshot is not None
    base = _local_base(suite, data_dir)
    if fewshot.local_files and base is not None:
        return _load_json_files(_expand(base, fewshot.local_files, spec.id), spec.id)
    if fewshot.hub_split and spec.source.hub is not None:
        hub = spec.source.hub
        return _load_hub(hub.path, hub.name, fewshot.hub_split, hub.revision, spec.id)
    raise DatasetError(f"suite {spec.id}: few-shot examples need 'local_files' or 'hub_split' for the source in use")


def _expand(base: Path, patterns: list[str], suite_id: str) -> list[str]:
    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(str(base / pattern)))
        if not found:
            raise DatasetError(
                f"suite {suite_id}: no file matches {pattern!r} under {base}. "
                "Check --data-dir (or the suite's 'files') and that the dataset was copied there."
            )
        files.extend(found)
    return files


def _load_json_files(files: list[str], suite_id: str) -> list[dict[str, Any]]:
    """Read local JSON Lines files, one row per non-blank line, in file order.

    The rows are read directly rather than through `datasets`, whose import alone takes
    about a second. Like the `datasets` JSON loader, a column that some rows lack is None in
    those rows, so the rows, and the suite's fingerprint, are the same either way.
    """
    rows: list[dict[str, Any]] = []
    for path in files:
        rows.extend(_read_json_lines(Path(path), suite_id))
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    for row in rows:
        if len(row) != len(columns):
            missing = {column: None for column in columns if column not in row}
            row.update(missing)
    return rows


def _read_json_lines(path: Path, suite_id: str) -> list[dict[str, Any]]:
    try:
        return [row for _, row in read_objects(path)]
    except JsonLineError as exc:
        raise DatasetError(f"suite {suite_id}: {path} {exc}. Fix or remove that line.") from None


def _load_hub(path: str, name: str | None, split: str, revision: str | None, suite_id: str) -> list[dict[str, Any]]:
    load_dataset = _datasets_loader()

    try:
        dataset = load_dataset(path, name, split=split, revision=revision)
    except Exception as exc:  # datasets raises many unrelated types for a missing or unreachable dataset
        raise DatasetError(
            f"suite {suite_id}: cannot load hub dataset {path}"
            + (f" ({name})" if name else "")
            + f", split {split}: {type(exc).__name__}: {exc}. Offline, pass --data-dir with a local copy."
        ) from exc
    return [dict(row) for row in dataset]


def _merge_fields(base: FieldMap, overrides: Mapping[str, str]) -> FieldMap:
    if not overrides:
        return base
    unknown = set(overrides) - set(FieldMap.model_fields)
    if unknown:
        raise SuiteError(f"unknown field mapping key(s) {sorted(unknown)}; use one of {sorted(FieldMap.model_fields)}")
    return base.model_copy(update=dict(overrides))


def _field(expression: str, row: Mapping[str, Any]) -> Any:
    if expression in row:
        return row[expression]
    return compile_field(expression)(row=row, **row)


def _to_item(spec: SuiteSpec, fields: FieldMap, row: dict[str, Any], index: int, source: str) -> Item:
    try:
        item_id = str(_field(fields.id, row)) if fields.id else str(index)
        reference = _field(fields.reference, row)
        choices = tuple(str(choice) for choice in _field(fields.choices, row)) if fields.choices else None
        group = str(_field(fields.group, row)) if fields.group else None
    except Exception as exc:  # a Jinja expression over a malformed row can raise anything
        raise DatasetError(
            f"suite {spec.id}: row {index} of {source} does not fit the field mapping "
            f"({type(exc).__name__}: {exc}). Columns present: {sorted(row)}"
        ) from exc
    if reference is None:
        raise DatasetError(f"suite {spec.id}: row {index} ({item_id}) of {source} has no reference answer in {fields.reference!r}")
    return Item(id=item_id, row=row, reference=reference, choices=choices, group=group)


def _check_unique_ids(spec: SuiteSpec, items: list[Item]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DatasetError(f"suite {spec.id}: item id {item.id!r} appears twice; map 'fields.id' to a unique column")
        seen.add(item.id)


def _attach_fewshot(spec: SuiteSpec, item: Item, pool: list[dict[str, Any]]) -> Item:
    fewshot = spec.prompt.fewshot
    assert fewshot is not None
    examples = pool
    if fewshot.filter_field:
        examples = [row for row in pool if row.get(fewshot.filter_field) == item.row.get(fewshot.filter_field)]
    examples = [row for row in examples if row is not item.row][: fewshot.n]
    return replace(item, fewshot=tuple(examples))


def _fingerprint(items: Iterable[Item]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps([item.id, item.row], sort_keys=True, default=str).encode())
        digest.update(b"\n")
        if item.prompt_file is not None:
            # A changed prompt file changes every prompt, so a resume must notice it.
            digest.update(item.prompt_file.encode())
    return digest.hexdigest()


def _datasets_loader():  # type: ignore[no-untyped-def]
    """Import `datasets` on first use (it takes about a second) with its progress bars off,
    so they do not interleave with the run's own progress bar."""
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    return datasets.load_dataset
