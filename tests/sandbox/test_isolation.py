"""Isolation choice: detection, fallback when bubblewrap is missing, and hidden paths."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.sandbox import SandboxConfig, SandboxLimits, detect_isolation, run_program, run_tests
from harness.sandbox.isolation import unavailable_reason

LIMITS = SandboxLimits(wall_seconds=10)


@pytest.fixture
def without_bwrap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make bubblewrap look absent from PATH, as on a host without the package."""
    real_which = shutil.which

    def which(name: str, *args: object, **kwargs: object) -> str | None:
        if name == "bwrap":
            return None
        return real_which(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "which", which)
    unavailable_reason.cache_clear()
    yield
    unavailable_reason.cache_clear()


def test_detect_isolation_returns_known_name() -> None:
    assert detect_isolation() in ("bubblewrap", "unshare", "none")


def test_unknown_isolation_rejected() -> None:
    with pytest.raises(ValueError, match="unknown isolation"):
        run_program("pass", isolation="docker")


@pytest.mark.usefixtures("without_bwrap")
def test_missing_bwrap_is_unavailable_not_weakened() -> None:
    result = run_program("print('ran')", limits=LIMITS, isolation="bubblewrap")
    assert result.status == "unavailable"
    assert result.isolation == "bubblewrap"
    assert result.stdout == ""
    assert "bwrap not found" in result.stderr


@pytest.mark.usefixtures("without_bwrap")
def test_auto_falls_back_without_bwrap() -> None:
    expected = "unshare" if unavailable_reason("unshare", SandboxConfig()) is None else "none"
    assert detect_isolation() == expected
    result = run_tests("def one():\n    return 1\n", "assert one() == 1\n", limits=LIMITS, isolation="auto")
    assert result.status == "passed", result
    assert result.isolation == expected


def test_unshare_unavailable_without_root() -> None:
    if os.geteuid() == 0:
        pytest.skip("the harness runs as root here")
    assert unavailable_reason("unshare", SandboxConfig()) is not None


@pytest.mark.parametrize("isolation", ["auto", "none"])
def test_missing_interpreter_is_unavailable(isolation: str) -> None:
    config = SandboxConfig(python="/nonexistent/python3")
    result = run_program("pass", limits=LIMITS, isolation=isolation, config=config)
    assert result.status == "unavailable", result
    assert "/nonexistent/python3" in result.stderr


@pytest.fixture
def results_dir() -> Iterator[Path]:
    """A world-readable directory, like a run's results directory inside the repository."""
    directory = Path(tempfile.mkdtemp(prefix="vb-sandbox-results-", dir="/tmp"))
    directory.chmod(0o755)
    (directory / "answers.json").write_text('{"secret": "canonical solution"}')
    (directory / "answers.json").chmod(0o644)
    yield directory
    shutil.rmtree(directory)


def test_configured_hidden_path_not_readable(containing_isolation: str, warm: bool, results_dir: Path) -> None:
    program = (
        "import os\n"
        f"print(sorted(os.listdir({str(results_dir)!r})))\n"
        "try:\n"
        f"    print(open({str(results_dir / 'answers.json')!r}).read())\n"
        "except OSError as exc:\n"
        "    print('DENIED', type(exc).__name__)\n"
    )
    config = SandboxConfig(hidden_paths=("/root", str(results_dir)))
    result = run_program(program, limits=LIMITS, isolation=containing_isolation, config=config, warm=warm)
    assert result.status == "passed", result
    assert result.stdout.splitlines()[0] == "[]"
    assert "canonical solution" not in result.stdout
    assert (results_dir / "answers.json").exists()


def test_hidden_path_containing_interpreter_stays_visible(containing_isolation: str, warm: bool) -> None:
    config = SandboxConfig(hidden_paths=("/usr",))
    result = run_program("print('ok')", limits=LIMITS, isolation=containing_isolation, config=config, warm=warm)
    assert result.status == "passed", result


@pytest.mark.skipif(os.geteuid() != 0, reason="ids are switched only when the harness runs as root")
def test_uid_range_gives_concurrent_runs_own_ids(any_isolation: str) -> None:
    from harness.sandbox import SandboxJob, run_many

    config = SandboxConfig(uid_range=(61000, 61002))
    program = "import os, time\ntime.sleep(0.5)\nprint(os.getuid(), os.getgid())\n"
    jobs = [SandboxJob(program, limits=LIMITS, isolation=any_isolation)] * 4
    results = run_many(jobs, workers=2, config=config)
    assert [result.status for result in results] == ["passed"] * 4
    ids = [tuple(int(value) for value in result.stdout.split()) for result in results]
    assert {uid for uid, _ in ids} == {61000, 61001}
    assert all(uid == gid for uid, gid in ids)
