"""Throughput of verticalbench, lm-evaluation-harness and Inspect against one mock server.

Each tool runs the same job: N one-turn requests to an OpenAI-compatible server on
127.0.0.1 that sends every reply after a fixed latency, at a given concurrency. The
server runs in its own process (tests/support/openai_server.py) and logs the arrival time
of every request. For each run this script records the wall time from launching the tool
to its exit (start-up included), the steady-state requests per second (the middle 80% of
arrivals), that rate as a share of the limit (concurrency / latency), the client's CPU
milliseconds per request and its peak resident memory (from wait4), and the load average.

Usage (from the repository root, after `bash benchmarks/throughput/setup.sh`):

    .venv/bin/python benchmarks/throughput/bench_throughput.py --concurrency 1 16 64 256
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PEERS_VENV = HERE / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

from tests.reliability.support import write_suite  # noqa: E402  (the reliability tests' generated suite)

TOOLS = ("verticalbench", "verticalbench-one-process", "lm-eval", "inspect")
"""verticalbench runs with its defaults; verticalbench-one-process with `run.call_workers: 0` (every call in one process)."""


@dataclass
class Measurement:
    """One tool at one concurrency."""

    tool: str
    concurrency: int
    requests: int
    wall_s: float
    steady_rps: float
    limit_rps: float
    share_of_limit: float
    cpu_ms_per_request: float
    peak_rss_mb: float
    """Largest resident set of one process of the tool (wait4's ru_maxrss covers its waited-for children)."""
    peak_pss_mb: float
    """Largest sum, over the tool's process and its descendants, of their proportional set sizes,
    sampled every 0.1 s: memory shared between processes is counted once."""
    load_before: float
    load_after: float
    exit_code: int


class PssSampler(threading.Thread):
    """Sample the summed proportional set size of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            self.peak_kb = max(self.peak_kb, sum(pss_kb(pid) for pid in tree(self.pid)))
            time.sleep(0.1)


def tree(pid: int) -> list[int]:
    """Return pid and every descendant that /proc lists now."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def pss_kb(pid: int) -> int:
    """Return a process's proportional set size in KB, or 0 when it has exited."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def write_data(workdir: Path, count: int) -> Path:
    """Write the yes/no items and a verticalbench tasks dir around them under workdir/tasks; return the data file."""
    write_suite(workdir / "tasks", count)
    return workdir / "tasks" / "legal" / "data" / "yes-no.jsonl"


def start_server(log: Path, latency: float) -> tuple[subprocess.Popen[str], str]:
    """Start the mock server in its own process and return it with its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "tests.support.openai_server", "--latency", str(latency), "--log", str(log)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def command(tool: str, url: str, concurrency: int, data: Path, out: Path) -> tuple[list[str], dict[str, str], Path]:
    """Return the argv, extra environment and working folder of one tool's run."""
    out.mkdir(parents=True, exist_ok=True)
    if tool.startswith("verticalbench"):
        settings: dict[str, object] = {"retries": 3, "timeout_s": 60}
        if tool == "verticalbench-one-process":
            settings["call_workers"] = 0
        elif os.environ.get("BENCH_CALL_WORKERS"):  # try another worker count than `auto` picks
            settings["call_workers"] = int(os.environ["BENCH_CALL_WORKERS"])
        config = {"name": "throughput", "suites": ["legal/*"], "run": settings,
                  "models": [{"id": "bench", "model": "openai/bench", "api_base": url, "role": "frontier",
                              "max_concurrency": concurrency,
                              "price": {"input_per_million": 1, "output_per_million": 1, "source": "benchmark"}}]}
        (out / "config.yaml").write_text(yaml.safe_dump(config))
        argv = [str(ROOT / ".venv" / "bin" / "verticalbench"), "run", str(out / "config.yaml"), "--output-dir", str(out),
                "--cache", "off"]
        return argv, {"VERTICALBENCH_TASKS_DIR": str(data.parents[2])}, ROOT
    if tool == "lm-eval":
        task = (HERE / "peers" / "lm_eval_task" / "bench_yesno.yaml").read_text().replace("${BENCH_DATA}", str(data))
        (out / "task").mkdir(exist_ok=True)
        (out / "task" / "bench_yesno.yaml").write_text(task)
        model_args = f"model=bench,base_url={url}/chat/completions,num_concurrent={concurrency},max_retries=3,tokenized_requests=False"
        argv = [str(PEERS_VENV / "lm_eval"), "--model", "local-chat-completions", "--model_args", model_args,
                "--tasks", "bench_yesno", "--include_path", str(out / "task"), "--apply_chat_template",
                "--output_path", str(out / "results")]
        return argv, {"HF_DATASETS_OFFLINE": "1"}, out
    if tool == "inspect":
        # Inspect's openai provider calls the Responses API unless responses_api=false, and the mock serves only chat completions.
        argv = [str(PEERS_VENV / "inspect"), "eval", "inspect_task.py", "--model", "openai/bench", "--model-base-url", url,
                "-M", "responses_api=false", "--max-connections", str(concurrency), "--log-dir", str(out / "logs"),
                "--display", "none"]
        return argv, {"BENCH_DATA": str(data), "OPENAI_API_KEY": "not-needed"}, HERE / "peers"
    raise ValueError(tool)


def steady_rps(arrivals: list[float]) -> float:
    """Requests per second between the 10th and the 90th percentile of arrival times."""
    arrivals = sorted(arrivals)
    low, high = int(len(arrivals) * 0.1), int(len(arrivals) * 0.9)
    span = arrivals[high] - arrivals[low]
    return (high - low) / span if span > 0 else float("nan")


def measure(tool: str, concurrency: int, data: Path, requests: int, latency: float, workdir: Path) -> Measurement:
    """Run one tool at one concurrency against a fresh server and measure it."""
    log = workdir / f"server-{tool}-{concurrency}.jsonl"
    log.unlink(missing_ok=True)
    server, url = start_server(log, latency)
    try:
        argv, env, cwd = command(tool, url, concurrency, data, workdir / f"{tool}-{concurrency}")
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        with open(workdir / f"{tool}-{concurrency}.out", "w") as output:
            process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
            sampler = PssSampler(process.pid)
            sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            sampler.stop = True
            sampler.join()
        wall = time.perf_counter() - started
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(10)
    arrivals = [json.loads(line)["at"] for line in log.read_text().splitlines()]
    rps = steady_rps(arrivals)
    limit = concurrency / latency
    return Measurement(tool=tool, concurrency=concurrency, requests=len(arrivals), wall_s=round(wall, 2),
                       steady_rps=round(rps, 1), limit_rps=round(limit, 1), share_of_limit=round(rps / limit, 3),
                       cpu_ms_per_request=round((usage.ru_utime + usage.ru_stime) * 1000 / max(1, len(arrivals)), 2),
                       peak_rss_mb=round(usage.ru_maxrss / 1024, 1), peak_pss_mb=round(sampler.peak_kb / 1024, 1),
                       load_before=round(load_before, 2),
                       load_after=round(load_after, 2), exit_code=os.waitstatus_to_exitcode(status))


def main() -> None:
    """Run the chosen tools at the chosen concurrencies and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64, 256])
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=["verticalbench", "lm-eval", "inspect"])
    parser.add_argument("--latency", type=float, default=0.05, help="server latency in seconds")
    parser.add_argument("--workdir", type=Path, default=HERE / "runs" / time.strftime("%Y%m%d-%H%M%S"))
    args = parser.parse_args()
    data = write_data(args.workdir, args.requests)
    results = []
    for concurrency in args.concurrency:
        for tool in args.tools:
            result = measure(tool, concurrency, data, args.requests, args.latency, args.workdir)
            results.append(result)
            print(json.dumps(asdict(result)), flush=True)
    (args.workdir / "results.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    print("\n| tool | concurrency | wall s | steady req/s | share of limit | CPU ms/req | peak MB | peak PSS MB | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.tool} | {r.concurrency} | {r.wall_s} | {r.steady_rps} | {r.share_of_limit} | {r.cpu_ms_per_request} "
              f"| {r.peak_rss_mb} | {r.peak_pss_mb} | {r.load_before}-{r.load_after} |")


if __name__ == "__main__":
    main()
