"""Suite discovery: read every `tasks/<vertical>/<name>.yaml` file and select suites by pattern."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from harness.config import format_validation_error
from harness.errors import SuiteError
from harness.suites.spec import SuiteSpec

TASKS_ENV = "VERTICALBENCH_TASKS_DIR"


@dataclass(frozen=True)
class SuiteFile:
    """A parsed suite and the file it came from."""

    spec: SuiteSpec
    path: Path


def default_tasks_dir() -> Path:
    """Return the suites folder: $VERTICALBENCH_TASKS_DIR, else `tasks/` beside the package."""
    configured = os.environ.get(TASKS_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "tasks"


def load_suite_file(path: Path) -> SuiteFile:
    """Parse and validate one suite file.

    Raises:
        SuiteError: the file is not valid YAML or does not match the suite schema.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: invalid YAML: {exc}. Fix the syntax at the line shown.") from exc
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file must be a mapping, got {type(data).__name__}")
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(format_validation_error(exc, str(path)).replace("run config", "suite file")) from None
    if path.parent.name != spec.vertical:
        raise SuiteError(f"{path}: vertical '{spec.vertical}' does not match its folder '{path.parent.name}'; move the file or fix 'vertical'")
    return SuiteFile(spec=spec, path=path)


def discover(tasks_dir: Path | None = None) -> dict[str, SuiteFile]:
    """Load every suite under the tasks folder, keyed by suite id ('<vertical>/<name>')."""
    root = tasks_dir or default_tasks_dir()
    if not root.is_dir():
        raise SuiteError(f"suites folder not found: {root}. Set {TASKS_ENV} to the folder holding <vertical>/<name>.yaml files.")
    suites: dict[str, SuiteFile] = {}
    for path in sorted(root.glob("*/*.yaml")):
        suite = load_suite_file(path)
        if suite.spec.id in suites:
            raise SuiteError(f"{path}: suite id {suite.spec.id} is also defined in {suites[suite.spec.id].path}")
        suites[suite.spec.id] = suite
    for suite in suites.values():
        _check_variant(suite, suites)
    return suites


def _check_variant(suite: SuiteFile, suites: dict[str, SuiteFile]) -> None:
    """Check that a variant names an existing suite of its own vertical that is not itself a variant."""
    base_id = suite.spec.variant_of
    if base_id is None:
        return
    base = suites.get(base_id)
    if base is None or base.spec.variant_of is not None or base.spec.vertical != suite.spec.vertical:
        raise SuiteError(
            f"{suite.path}: variant_of names {base_id!r}, which is not a suite of vertical "
            f"'{suite.spec.vertical}' that is not itself a variant; name such a suite or remove 'variant_of'"
        )


def select(suites: dict[str, SuiteFile], patterns: list[str]) -> list[SuiteFile]:
    """Return the suites matching any glob pattern, in the order of first match.

    A pattern matches a suite id ('legal/legalbench-hearsay'), a vertical ('legal') or,
    with the prefix 'kind:', a suite kind ('kind:starter'). A variant (a suite with
    `variant_of`) matches only a pattern that does not also match the suite it varies, so
    'legal/*' selects each benchmark once and 'legal/*-zero-shot' selects the zero-shot variants.

    Raises:
        SuiteError: a pattern matches no suite.
    """
    chosen: dict[str, SuiteFile] = {}
    for pattern in patterns:
        matches = [suite for suite_id, suite in suites.items() if _matches(suite, suite_id, pattern, suites)]
        if not matches:
            known = ", ".join(sorted(suites)) or "(none)"
            raise SuiteError(f"no suite matches {pattern!r}. Known suites: {known}")
        for suite in matches:
            chosen.setdefault(suite.spec.id, suite)
    return list(chosen.values())


def _matches(suite: SuiteFile, suite_id: str, pattern: str, suites: dict[str, SuiteFile]) -> bool:
    if not _matches_own(suite, suite_id, pattern):
        return False
    base = suites.get(suite.spec.variant_of or "")
    if base is None or pattern == suite_id:
        return True
    # A variant repeats its base suite's items, so a pattern that already selects the base skips it.
    return not _matches_own(base, base.spec.id, pattern)


def _matches_own(suite: SuiteFile, suite_id: str, pattern: str) -> bool:
    if pattern.startswith("kind:"):
        return suite.spec.kind == pattern.removeprefix("kind:")
    return fnmatch.fnmatchcase(suite_id, pattern) or pattern == suite.spec.vertical
