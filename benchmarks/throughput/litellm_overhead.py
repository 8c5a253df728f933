"""Where a call's client CPU goes: LiteLLM through the OpenAI SDK or its own HTTP handler, and the harness alone.

The LiteLLM variants use the harness's settings (no SDK retries, aiohttp transport) unless
their name says otherwise. Each child process reads LiteLLM's bundled price map instead of
downloading it, unless LITELLM_LOCAL_MODEL_COST_MAP is set otherwise.

Each LiteLLM variant runs in a fresh process against the mock server (its own process,
no latency) and reports CPU milliseconds per call over N calls at concurrency C, after one
warm-up call, so start-up is left out. The harness variant runs whole runs in process with
`litellm.acompletion` replaced by a canned reply. It reports the CPU per sample added by
going from 500 to N samples (planning, scoring, records, limiter, cache off). A warm-up
run comes first, so its own start-up is left out too.

Usage (from the repository root):

    .venv/bin/python benchmarks/throughput/litellm_overhead.py --calls 2000 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VARIANTS: dict[str, dict[str, str] | None] = {
    "LiteLLM through the OpenAI SDK, aiohttp transport (run.openai_sdk: true)": {
        "EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "false"},
    "LiteLLM through the OpenAI SDK, httpx transport": {"EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "false",
                                                        "BENCH_TRANSPORT": "httpx"},
    "LiteLLM through its own HTTP handler, the harness's no-resend client, aiohttp transport (the default)": {
        "EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "true", "BENCH_CLIENT": "harness"},
    "LiteLLM through its own HTTP handler, LiteLLM's client (resends), aiohttp transport": {
        "EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "true"},
    "LiteLLM through its own HTTP handler, LiteLLM's client (resends), httpx transport": {
        "EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "true", "BENCH_TRANSPORT": "httpx"},
    "the harness alone, LiteLLM's call replaced by a canned reply": None,
}


async def _calls(api_base: str, calls: int, concurrency: int) -> float:
    """Make `calls` LiteLLM calls and return the CPU seconds they took."""
    import litellm

    litellm.suppress_debug_info = True
    # The harness's own settings (harness/models/attempt.py), unless the variant selects httpx.
    litellm.disable_aiohttp_transport = os.environ.get("BENCH_TRANSPORT") == "httpx"
    extra: dict[str, object] = {}
    if os.environ.get("BENCH_CLIENT") == "harness":  # the client harness.models.attempt passes on this path
        sys.path.insert(0, str(ROOT))
        from harness.models.http_client import client_for, close_http_handler

        extra["client"] = client_for("openai/bench", api_base)
        assert extra["client"] is not None, "the harness passes no client on this path"
    slots = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        async with slots:
            await litellm.acompletion(model="openai/bench", messages=[{"role": "user", "content": f"Q{number}: yes?"}],
                                      api_base=api_base, api_key="not-needed", timeout=30, num_retries=0,
                                      max_retries=0, max_tokens=16, temperature=0.0, seed=1, **extra)

    await one(-1)
    started = time.process_time()
    await asyncio.gather(*(one(number) for number in range(calls)))
    elapsed = time.process_time() - started
    if extra:
        await close_http_handler()
    return elapsed


def harness_only(calls: int, concurrency: int) -> None:
    """Measure the harness's own CPU per sample with LiteLLM's call replaced, and print it."""
    import tempfile

    import litellm

    sys.path.insert(0, str(ROOT))
    from harness.config import parse_config
    from harness.run import RunOptions, start_run
    from tests.reliability.support import config, write_suite

    reply = litellm.ModelResponse(id="canned", model="bench", choices=[
        {"index": 0, "message": {"role": "assistant", "content": "Answer: Yes"}, "finish_reason": "stop"}],
        usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})

    async def canned(**kwargs: object) -> object:
        await asyncio.sleep(0)
        return reply

    litellm.acompletion = canned
    cpu = {}
    for size in (100, 500, calls):  # the first run pays the imports and is left out
        folder = Path(tempfile.mkdtemp())
        os.environ["VERTICALBENCH_TASKS_DIR"] = str(write_suite(folder / "tasks", size))
        run_config = parse_config(config("http://127.0.0.1:9/v1", concurrency=concurrency))
        started = time.process_time()
        start_run(run_config, RunOptions(cache="off"), folder / "results")
        cpu[size] = time.process_time() - started
    print(json.dumps({"cpu_ms_per_call": round((cpu[calls] - cpu[500]) * 1000 / (calls - 500), 3)}))


def child(api_base: str, calls: int, concurrency: int) -> None:
    """Measure in this process and print CPU ms per call."""
    print(json.dumps({"cpu_ms_per_call": round(asyncio.run(_calls(api_base, calls, concurrency)) * 1000 / calls, 3)}))


def main() -> None:
    """Run each variant in its own process and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "harness":
        harness_only(args.calls, args.concurrency)
        return
    if args.child:
        child(args.child, args.calls, args.concurrency)
        return
    server = subprocess.Popen([sys.executable, "-m", "tests.support.openai_server"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    api_base = server.stdout.readline().strip()
    try:
        print("| variant | CPU ms per call | load |\n|---|---:|---:|")
        for name, env in VARIANTS.items():
            target = "harness" if env is None else api_base
            completed = subprocess.run([sys.executable, __file__, "--child", target, "--calls", str(args.calls),
                                        "--concurrency", str(args.concurrency)], cwd=ROOT, capture_output=True, text=True,
                                       env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", **os.environ, "LITELLM_LOG": "ERROR",
                                            **(env or {})}, check=True)
            figure = json.loads(completed.stdout.strip().splitlines()[-1])["cpu_ms_per_call"]
            print(f"| {name} | {figure} | {os.getloadavg()[0]:.2f} |", flush=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
