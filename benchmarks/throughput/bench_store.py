"""Two store-bound jobs: replaying a finished run from the response cache, and rendering a large report.

Replay: a run of N samples is made once against the mock server with `--cache record`.
Then the server is stopped and the same config runs with `--cache replay`. The wall time
of that second command (start-up included) and its peak memory are reported.

Report: a run folder with N synthetic samples (two models, six suites, realistic reply
lengths) is written directly, then `verticalbench report` renders it; wall time and peak
memory are reported for each N, so memory growth with N shows.

Usage (from the repository root):

    .venv/bin/python benchmarks/throughput/bench_store.py replay --samples 10000
    .venv/bin/python benchmarks/throughput/bench_store.py report --samples 10000 50000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput.bench_throughput import start_server, write_data  # noqa: E402

VERTICALBENCH = str(ROOT / ".venv" / "bin" / "verticalbench")


def timed(argv: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Run a command with its output in `log`; return its wall seconds, CPU seconds, peak RSS in MB and the load."""
    started = time.perf_counter()
    with log.open("w") as output:  # a file, not a pipe: a full pipe would block the progress bar
        process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{argv} failed with exit code {code}; see {log}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "load": round(os.getloadavg()[0], 2)}


def replay(samples: int, workdir: Path) -> None:
    """Record a run of `samples` samples, then replay it from the cache with no server."""
    data = write_data(workdir, samples)
    env = {"VERTICALBENCH_TASKS_DIR": str(data.parents[2])}
    server, url = start_server(workdir / "server.jsonl", 0.0)
    config = {"name": "replay", "suites": ["legal/*"], "run": {"retries": 3, "timeout_s": 60},
              "models": [{"id": "bench", "model": "openai/bench", "api_base": url, "role": "frontier", "max_concurrency": 64,
                          "price": {"input_per_million": 1, "output_per_million": 1, "source": "benchmark"}}]}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    base = [VERTICALBENCH, "run", str(workdir / "config.yaml"), "--output-dir", str(workdir / "out")]
    try:
        recorded = timed(base + ["--cache", "record"], env, workdir / "record.log")
    finally:
        server.terminate()
        server.wait(10)
    replayed = timed(base + ["--cache", "replay", "--cache-dir", str(workdir / "out" / "cache")], env, workdir / "replay.log")
    print(json.dumps({"job": "record", "samples": samples, **recorded}))
    print(json.dumps({"job": "replay", "samples": samples, **replayed}))


def synthetic_run(folder: Path, samples: int, seed: int = 0) -> str:
    """Write a finished run of `samples` samples through the store API and return its id."""
    from harness.store.records import Manifest, PriceSnapshot, Sample, SuiteSnapshot, Usage
    from harness.store.run_dir import RunDir, SampleWriter, utc_now

    chance = random.Random(seed)
    run_id = f"synthetic-{samples}"
    run_dir = RunDir.create(folder / "results", run_id)
    models = {"spec": "specialized", "front": "frontier"}
    suites = [(f"{vertical}/synthetic", vertical) for vertical in ("code", "legal", "finance", "medical", "creative", "science")]
    config = {"name": "synthetic", "suites": ["*/synthetic"], "models": [
        {"id": "spec", "model": "openai/spec", "role": "specialized", "verticals": ["legal"]},
        {"id": "front", "model": "openai/front", "role": "frontier"}]}
    per_item = len(models) * len(suites)
    manifest = Manifest(
        run_id=run_id, name="synthetic", config=config, config_hash="0" * 16, started_at=utc_now(), finished_at=utc_now(),
        status="finished", planned_samples=samples,
        prices={m: PriceSnapshot(model_id=m, priced=True, input_per_million=1.0, output_per_million=2.0, source="benchmark")
                for m in models},
        suites={s: SuiteSnapshot(suite=s, vertical=v, kind="starter", source="local:synthetic", fingerprint="0",
                                 items=samples // per_item, scorer="label", description="synthetic") for s, v in suites})
    run_dir.write_manifest(manifest)
    with SampleWriter(run_dir) as writer:
        for index in range(samples):
            suite, vertical = suites[index % len(suites)]
            model = list(models)[(index // len(suites)) % len(models)]
            item = index // per_item
            outcome = chance.choices(["correct", "incorrect", "unparseable", "error"], [60, 30, 7, 3])[0]
            reply = " ".join(chance.choice(["the", "answer", "is", "because", "court", "yes", "no"]) for _ in range(120))
            writer.write(Sample(
                run_id=run_id, model_id=model, suite=suite, vertical=vertical, item_id=f"I{item}",
                messages=[{"role": "user", "content": f"Q{item}: a question of about this length, " * 4}],
                params={"max_tokens": 256, "temperature": 0.0}, reply=reply, finish_reason="stop",
                usage=Usage(input_tokens=120, output_tokens=160), latency_s=chance.uniform(0.2, 3.0),
                cost_usd=0.00044, reference="Yes", extracted="Yes" if outcome == "correct" else "No",
                score={"correct": 1.0, "incorrect": 0.0}.get(outcome), outcome=outcome, started_at=utc_now()))
    return run_id


def report(sizes: list[int], workdir: Path) -> None:
    """Render the report of synthetic runs of each size and print time and memory."""
    for samples in sizes:
        folder = workdir / f"report-{samples}"
        run_id = synthetic_run(folder, samples)
        figures = timed([VERTICALBENCH, "report", run_id, "--output-dir", str(folder)], {}, folder / "report.log")
        size = (folder / "results" / run_id / "samples.jsonl").stat().st_size
        print(json.dumps({"job": "report", "samples": samples, "samples_mb": round(size / 2**20, 1), **figures}))


def main() -> None:
    """Run the replay or the report measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", choices=["replay", "report"])
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workdir", type=Path, default=HERE / "runs" / time.strftime("store-%Y%m%d-%H%M%S"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.job == "replay":
        replay(args.samples[0], args.workdir)
    else:
        report(args.samples, args.workdir)


if __name__ == "__main__":
    main()
