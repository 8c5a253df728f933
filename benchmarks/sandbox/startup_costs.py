"""Measure the CPU time that each step of starting a sandboxed program costs.

Usage: .venv/bin/python benchmarks/sandbox/startup_costs.py [--runs N]

Each line runs one command N times, one after another, and prints the mean CPU time per
run of the children (`RUSAGE_CHILDREN`, user plus system) and the mean wall time. Run as
root, so that the commands run as uid 65534 as the sandbox's do. The last two lines run a
trivial program through the sandbox, with a new sandbox per program and in one reused
sandbox. Their CPU time includes this process, which does the harness's part.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Callable

from harness.sandbox import SandboxJob, SandboxLimits, run_many, run_program
from harness.sandbox.config import NOBODY_ID
from harness.sandbox.interpreter import SYSTEM_PYTHON


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(label: str, runs: int, step: Callable[[], object], *, include_self: bool = False, programs: int = 1) -> None:
    """Print the mean CPU and wall milliseconds per program of `runs` calls of `step`.

    Args:
        include_self: Add the CPU time of this process, which does the harness's work.
        programs: Programs that one call of `step` runs.
    """
    cpu_start, self_start, wall_start = children_cpu(), own_cpu(), time.perf_counter()
    for _ in range(runs):
        step()
    cpu = children_cpu() - cpu_start + (own_cpu() - self_start if include_self else 0.0)
    wall = time.perf_counter() - wall_start
    count = runs * programs
    print(f"{label:58s} CPU {cpu / count * 1000:6.1f} ms   wall {wall / count * 1000:6.1f} ms")


def command(argv: list[str]) -> Callable[[], object]:
    drop = {"user": NOBODY_ID, "group": NOBODY_ID, "extra_groups": []} if os.geteuid() == 0 else {}

    def run() -> object:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True, **drop)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="runs per line")
    runs = parser.parse_args().runs
    python = SYSTEM_PYTHON
    bwrap = shutil.which("bwrap")
    print(f"load: {os.getloadavg()}")

    measure("/bin/true", runs, command(["/bin/true"]))
    measure(f"{python} -s -c pass (start-up and teardown)", runs, command([python, "-s", "-c", "pass"]))
    measure(f"{python} -I -S -c pass (no site module)", runs, command([python, "-I", "-S", "-c", "pass"]))
    measure(f"{python} -s -c 'import os; os._exit(0)' (no teardown)", runs,
            command([python, "-s", "-c", "import os; os._exit(0)"]))
    if bwrap:
        sandbox = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
                   "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        measure("bwrap /bin/true (all namespaces)", runs, command([*sandbox, "--", "/bin/true"]))
        measure("bwrap, sh as pid 1, python -s -c pass", runs,
                command([*sandbox, "--as-pid-1", "--", "sh", "-c", '"$@"; exit "$?"', "init", python, "-s", "-c", "pass"]))

    limits = SandboxLimits(wall_seconds=10)
    measure("run_program('pass'), a new sandbox per program", runs,
            lambda: run_program("pass", limits=limits), include_self=True)
    # One call: the reused sandbox starts once, and its start-up is spread over the runs.
    jobs = [SandboxJob("pass", limits=limits)] * runs
    measure("run_many of 'pass' in 1 reused sandbox", 1,
            lambda: run_many(jobs, workers=1), include_self=True, programs=runs)


if __name__ == "__main__":
    main()
