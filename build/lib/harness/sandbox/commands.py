"""Command lines that start a program under each kind of isolation."""

from __future__ import annotations

import functools
import logging
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.sandbox import reaper
from harness.sandbox.config import SandboxConfig, SandboxUnavailableError

logger = logging.getLogger(__name__)

# Directories that an unprivileged user can usually write to. The unshare fallback
# remounts them read-only, because it does not build a read-only root as bwrap does.
WORLD_WRITABLE_DIRS = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm")


SupervisorKind = Literal["namespace-init", "reaper"]


@dataclass(frozen=True)
class Launch:
    """How to start one sandboxed program.

    In every kind of launch a supervisor process, not the harness, is the program's
    parent. It reports the program's death by signal N as exit code 128 + N.

    Attributes:
        argv: Command line, without the resource-limit prefix.
        drop: (uid, gid) that `subprocess.Popen` switches to before exec, or None.
        supervisor: "namespace-init" when the started process is a wrapper whose only
            child is the init of a new PID namespace. "reaper" when the started process is
            `harness.sandbox.reaper` itself.
    """

    argv: list[str]
    drop: tuple[int, int] | None
    supervisor: SupervisorKind


def build_launch(
    isolation: str,
    program_argv: list[str],
    workdir: Path,
    config: SandboxConfig,
    drop: tuple[int, int] | None,
) -> Launch:
    """Return the launch for `program_argv` run in `workdir` under `isolation`.

    Args:
        isolation: "bubblewrap", "unshare" or "none".
        program_argv: Interpreter and arguments, run with `workdir` as working directory.
        workdir: Private directory, the only place the program may write.
        config: Host settings (hidden paths).
        drop: (uid, gid) to run the program as, or None to keep the current user.

    Raises:
        SandboxUnavailableError: When a tool the isolation needs is missing.
        ValueError: For an unknown isolation name.
    """
    if isolation == "bubblewrap":
        return Launch(_bwrap_argv(program_argv, workdir, config), drop, "namespace-init")
    if isolation == "unshare":
        return Launch(_unshare_argv(program_argv, workdir, config, drop), None, "namespace-init")
    if isolation == "none":
        return Launch(_reaper_argv(program_argv, drop), None, "reaper")
    raise ValueError(f"unknown isolation {isolation!r}: expected 'bubblewrap', 'unshare' or 'none'")


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SandboxUnavailableError(f"{tool} not found on PATH")
    return path


def _bwrap_argv(program_argv: list[str], workdir: Path, config: SandboxConfig) -> list[str]:
    argv = bwrap_sandbox_argv(program_argv[0], workdir, config, die_with_parent=True)
    # A shell as pid 1 instead of bwrap's own init: bwrap exits without reaping its init,
    # which would leave a zombie counted against the sandbox user's process limit.
    script = "\n".join(_run_as_child())
    return [*argv, "--as-pid-1", "--", _require("sh"), "-c", script, "vb-sandbox-init", *program_argv]


def bwrap_sandbox_argv(interpreter: str, workdir: Path, config: SandboxConfig, *, die_with_parent: bool) -> list[str]:
    """Return the bwrap options, up to the command, of a sandbox whose only writable place is `workdir`.

    Args:
        interpreter: The interpreter that will run inside, which must stay visible.
        workdir: Directory bound read-write and used as the working directory.
        config: Host settings (hidden paths).
        die_with_parent: Whether bwrap is killed when the thread that started it exits.
            Long-lived sandboxes started from short-lived threads must not use it.

    Raises:
        SandboxUnavailableError: When bwrap is not on PATH.
    """
    bwrap = _require("bwrap")
    argv = [bwrap, "--unshare-all", "--unshare-user"]
    if _bwrap_supports(bwrap, "--disable-userns"):
        argv.append("--disable-userns")
    if die_with_parent:
        argv.append("--die-with-parent")
    argv += ["--new-session", "--ro-bind", "/", "/", "--dev", "/dev"]
    # The new /dev, /dev/shm included, is a tmpfs that would store writes in memory
    # outside RLIMIT_AS. Read-only, it also matches the unshare fallback.
    argv += ["--remount-ro", "/dev", "--proc", "/proc"]
    for path in hidden_paths(config, interpreter, workdir):
        if path.is_dir():
            argv += ["--tmpfs", str(path), "--remount-ro", str(path)]
        else:
            argv += ["--ro-bind", "/dev/null", str(path)]
    return [*argv, "--bind", str(workdir), str(workdir), "--chdir", str(workdir)]


@functools.lru_cache(maxsize=8)
def _bwrap_supports(bwrap: str, option: str) -> bool:
    """Check `bwrap --help` for `option`, which older bubblewrap releases lack."""
    try:
        completed = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return option in completed.stdout + completed.stderr


def _reaper_argv(program_argv: list[str], drop: tuple[int, int] | None) -> list[str]:
    drop_argument = "-" if drop is None else f"{drop[0]}:{drop[1]}"
    return [program_argv[0], "-I", "-c", _reaper_source(), drop_argument, *program_argv]


@functools.lru_cache(maxsize=1)
def _reaper_source() -> str:
    return Path(reaper.__file__).read_text(encoding="utf-8")


def _unshare_argv(
    program_argv: list[str], workdir: Path, config: SandboxConfig, drop: tuple[int, int] | None
) -> list[str]:
    if drop is None:
        raise SandboxUnavailableError("the unshare fallback needs root to create namespaces and mounts")
    unshare = _require("unshare")
    script = _unshare_init_script(workdir, config, program_argv[0], drop)
    namespaces = ["--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc"]
    return [unshare, *namespaces, "--", _require("sh"), "-c", script, "vb-sandbox-init", *program_argv]


def _unshare_init_script(workdir: Path, config: SandboxConfig, interpreter: str, drop: tuple[int, int]) -> str:
    """Return the shell script that runs as root and pid 1 of the new namespaces.

    It makes the working directory its own writable mount, remounts the world-writable
    directories read-only, hides the hidden paths, then runs the program as the sandbox
    user as a child of the shell.
    """
    mount = shlex.quote(_require("mount"))
    setpriv = shlex.quote(_require("setpriv"))
    quoted_workdir = shlex.quote(str(workdir))
    lines = ["set -e", f"{mount} --bind {quoted_workdir} {quoted_workdir}"]
    for directory in _read_only_dirs(workdir):
        quoted = shlex.quote(directory)
        lines.append(f"{mount} --rbind {quoted} {quoted}")
        lines.append(f"{mount} -o remount,bind,ro {quoted}")
    for path in hidden_paths(config, interpreter, workdir):
        quoted = shlex.quote(str(path))
        if path.is_dir():
            lines.append(f"{mount} -t tmpfs -o ro,size=4k,mode=0755 vb-hidden {quoted}")
        else:
            lines.append(f"{mount} --bind /dev/null {quoted}")
    uid, gid = drop
    lines += [f"cd {quoted_workdir}", "set +e"]
    drop_privileges = f"{setpriv} --reuid={uid} --regid={gid} --clear-groups --no-new-privs -- "
    lines += _run_as_child(drop_privileges)
    return "\n".join(lines)


def _run_as_child(command_prefix: str = "") -> list[str]:
    """Return shell lines that run "$@" as a child of the shell, which is pid 1.

    The shell stays the init of the new PID namespace: the program cannot kill its
    parent, and every process left over dies when the shell exits.
    """
    return [
        # The shell exports these itself, but the program gets only the harness's variables.
        "unset OLDPWD PWD",
        f'{command_prefix}"$@"',
        # An explicit exit keeps the shell from replacing itself with the last command.
        'exit "$?"',
    ]


def _read_only_dirs(workdir: Path) -> list[str]:
    candidates = [*WORLD_WRITABLE_DIRS, str(workdir.parent)]
    unique = dict.fromkeys(os.path.realpath(path) for path in candidates)
    return [path for path in unique if os.path.isdir(path)]


def hidden_paths(config: SandboxConfig, interpreter: str, workdir: Path) -> list[Path]:
    """Return the configured hidden paths that exist and hide neither the interpreter nor `workdir`."""
    needed = [Path(interpreter).absolute(), Path(os.path.realpath(interpreter)), workdir]
    result = []
    for raw in config.hidden_paths:
        path = Path(os.path.realpath(raw))
        if not path.exists():
            continue
        if any(item == path or path in item.parents for item in needed):
            _warn_kept_visible(path)
            continue
        result.append(path)
    return result


@functools.cache
def _warn_kept_visible(path: Path) -> None:
    """Log once per path that a hidden path stays visible."""
    logger.warning("not hiding %s in the sandbox: it contains the interpreter or the working directory", path)
