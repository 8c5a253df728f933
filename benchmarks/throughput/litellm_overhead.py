"""Where a call's client CPU goes: LiteLLM through the OpenAI SDK, LiteLLM's own HTTP handler, and the harness alone.

Each variant runs in a fresh process against the mock server (its own process, no
latency) and reports CPU milliseconds per call over N calls at concurrency C, after one
warm-up call, so start-up is left out.

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
VARIANTS = {
    "litellm, openai/ through the OpenAI SDK (default)": {},
    "litellm, openai/ through LiteLLM's HTTP handler (openai_sdk: false)": {"EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER": "true"},
}


async def _calls(api_base: str, calls: int, concurrency: int) -> float:
    """Make `calls` LiteLLM calls and return the CPU seconds they took."""
    import litellm

    litellm.suppress_debug_info = True
    slots = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        async with slots:
            await litellm.acompletion(model="openai/bench", messages=[{"role": "user", "content": f"Q{number}: yes?"}],
                                      api_base=api_base, api_key="not-needed", timeout=30, num_retries=0,
                                      max_tokens=16, temperature=0.0, seed=1)

    await one(-1)
    started = time.process_time()
    await asyncio.gather(*(one(number) for number in range(calls)))
    return time.process_time() - started


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
    if args.child:
        child(args.child, args.calls, args.concurrency)
        return
    server = subprocess.Popen([sys.executable, "-m", "tests.support.openai_server"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    api_base = server.stdout.readline().strip()
    try:
        print("| variant | CPU ms per call | load |\n|---|---:|---:|")
        for name, env in VARIANTS.items():
            completed = subprocess.run([sys.executable, __file__, "--child", api_base, "--calls", str(args.calls),
                                        "--concurrency", str(args.concurrency)], cwd=ROOT, capture_output=True, text=True,
                                       env={**os.environ, "LITELLM_LOG": "ERROR", **env}, check=True)
            figure = json.loads(completed.stdout.strip().splitlines()[-1])["cpu_ms_per_call"]
            print(f"| {name} | {figure} | {os.getloadavg()[0]:.2f} |", flush=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
