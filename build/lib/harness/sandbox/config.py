"""Host-side settings of the sandbox that do not depend on the program being run."""

from __future__ import annotations

from dataclasses import dataclass

# Conventional uid/gid of the unprivileged "nobody" user and "nogroup" group on Debian.
NOBODY_ID = 65534

MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class SandboxConfig:
    """Where and as whom sandboxed programs run.

    Attributes:
        python: Interpreter that runs the program. None picks one at run time: the
            running interpreter when the sandbox user can execute it, else /usr/bin/python3.
        uid: User the program runs as when the harness runs as root.
        gid: Group the program runs as when the harness runs as root.
        uid_range: (start, stop) of ids as for `range`, each used as both uid and gid.
            When set, it replaces `uid` and `gid`, and each concurrent run in this
            process takes its own id. Use ids that no account, container or other harness process
            uses. With one shared uid, RLIMIT_NPROC counts the processes of all concurrent
            runs together, so a fork bomb in one run makes forks fail in the others.
        hidden_paths: Paths replaced by an empty read-only directory inside the sandbox
            (bubblewrap and unshare only); add the run's results directory here. A path
            that contains the interpreter or the working directory is left visible.
        temp_root: Directory for the private working directories; None uses the
            system default from `tempfile`.
    """

    python: str | None = None
    uid: int = NOBODY_ID
    gid: int = NOBODY_ID
    uid_range: tuple[int, int] | None = None
    hidden_paths: tuple[str, ...] = ("/root", "/home")
    temp_root: str | None = None


class SandboxUnavailableError(RuntimeError):
    """The requested isolation, or an interpreter for it, is not usable on this host."""


def program_env(workdir: str) -> dict[str, str]:
    """Return the complete environment of a sandboxed program, which inherits nothing else."""
    return {
        "PATH": MINIMAL_PATH,
        "LANG": "C.UTF-8",
        "HOME": workdir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
