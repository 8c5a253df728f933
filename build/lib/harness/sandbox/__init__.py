"""Run untrusted, model-written Python programs in an isolated child process.

`run_program` runs one program and `run_tests` runs a solution with its tests; both
return a `SandboxResult`. `run_many` and `SandboxPool` run many in parallel, in reused
sandboxes. See docs/sandbox.md for what the sandbox protects against and what it does not.
"""

from harness.sandbox.config import SandboxConfig, SandboxUnavailableError
from harness.sandbox.isolation import ISOLATIONS, detect_isolation
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.outcome import SandboxResult, SandboxStatus
from harness.sandbox.pool import SandboxJob, SandboxPool, run_many, shared_pool
from harness.sandbox.runner import run_program, run_tests

__all__ = [
    "ISOLATIONS",
    "SandboxConfig",
    "SandboxJob",
    "SandboxLimits",
    "SandboxPool",
    "SandboxResult",
    "SandboxStatus",
    "SandboxUnavailableError",
    "detect_isolation",
    "run_many",
    "run_program",
    "run_tests",
    "shared_pool",
]
