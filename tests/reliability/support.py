"""Shared pieces of the reliability tests: a generated label suite, run configs and expected outcomes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.openai_server import FaultInjector, request_key

SUITE = """
name: yes-no
vertical: legal
kind: starter
description: generated yes/no items for the reliability tests
source:
  local: {files: [data/yes-no.jsonl], relative_to: suite}
fields: {id: id, reference: label}
prompt:
  template: "Q{{ item.id }}: {{ row.text }} End with 'Answer: Yes' or 'Answer: No'."
answer: {type: label, labels: ["Yes", "No"]}
scorer: label
max_tokens: 16
"""

REPLY = "Answer: Yes"
"""Every reply; even-numbered items expect Yes (correct), odd-numbered ones No (incorrect)."""

RETRYABLE_ERRORS = {
    "429": "RateLimitError",
    "500": "InternalServerError",
    "503": "ServiceUnavailableError",
    "reset": "InternalServerError",  # LiteLLM 1.83 reports a dropped connection as InternalServerError
    "close": "InternalServerError",
    "timeout": "Timeout",
    # A body that is not JSON: APIError through LiteLLM's own HTTP handler (the default),
    # InternalServerError through the OpenAI SDK (run.openai_sdk: true).
    "malformed": "APIError",
}


def write_suite(root: Path, items: int) -> Path:
    """Write the yes/no suite with `items` rows under root/legal and return root (the tasks dir)."""
    folder = root / "legal"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "yes-no.yaml").write_text(SUITE)
    rows = ({"id": f"I{n}", "text": f"statement {n}", "label": "Yes" if n % 2 == 0 else "No"} for n in range(items))
    (folder / "data" / "yes-no.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return root


def config(api_base: str, *, models: tuple[str, ...] = ("spec",), concurrency: int = 16, retries: int = 3,
           timeout_s: float = 10.0, api_key_env: str | None = None) -> dict[str, Any]:
    """Return a run config with one priced model per name, all served at api_base."""
    entries = []
    for index, name in enumerate(models):
        entry: dict[str, Any] = {
            "id": name, "model": f"openai/{name}", "api_base": api_base, "max_concurrency": concurrency,
            "role": "specialized" if index == 0 else "frontier",
            "price": {"input_per_million": 1.0, "output_per_million": 2.0, "source": "test price"},
        }
        if index == 0:
            entry["verticals"] = ["legal"]
        if api_key_env:
            entry["api_key_env"] = api_key_env
        entries.append(entry)
    return {"name": "reliability", "models": entries, "suites": ["legal/*"],
            "run": {"retries": retries, "timeout_s": timeout_s}}


def item_number(body: dict[str, Any]) -> int:
    """Return the number of the item a request is about."""
    return int(re.search(r"QI(\d+):", body["messages"][-1]["content"]).group(1))


def sent_key(model_id: str, messages: list[dict[str, Any]]) -> str:
    """Return the server's request key of a stored sample (LiteLLM sends the model without its 'openai/' prefix)."""
    return request_key({"model": model_id, "messages": messages})


def expected(injector: FaultInjector, key: str, retries: int, item: int) -> tuple[str, int, str | None]:
    """Work out (outcome, attempts, error type) of one sample from the injector's fault schedule."""
    for attempt in range(1, retries + 2):
        fault = injector.fault_for(key, attempt)
        if fault in RETRYABLE_ERRORS:
            if attempt == retries + 1:
                return "error", attempt, RETRYABLE_ERRORS[fault]
            continue
        if fault == "empty_choices":
            return "error", attempt, "EmptyChoices"
        return ("correct" if item % 2 == 0 else "incorrect"), attempt, None
    raise AssertionError("unreachable")


def start_cli(args: list[str], stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Start `verticalbench ARGS` in a subprocess with the current environment; stdout is discarded."""
    return subprocess.Popen([sys.executable, "-m", "harness.cli", *args], cwd=Path(__file__).resolve().parents[2],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=stderr)


def run_cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `verticalbench ARGS` in a subprocess with the current environment (plus `env`)."""
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=Path(__file__).resolve().parents[2])
