"""Price a local model by machine time, from its measured throughput.

The price of a token is the machine time it takes, times the machine's hourly rate:

    usd_per_second     = hourly_usd / 3600
    input_per_million  = usd_per_second / prompt_tokens_per_s * 1e6
    output_per_million = usd_per_second / output_tokens_per_s * 1e6

Throughput comes from two short requests to the running server over plain HTTP,
timed on the wall clock and counted with the ``usage`` of each reply:

* prompt throughput: a prompt of about 300 tokens with ``max_tokens=1``;
* generation throughput: a short prompt that requests a long answer with
  ``max_tokens=64``, minus the time its prompt takes at the measured prompt rate.

A one-token warm-up request comes first, so the first request after the model
loads (page faults, buffer allocation) is not timed.

Both timings include the HTTP round trip, and the prompt timing includes the one
generated token, so the prices are slight over-estimates.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.config import ComputePrice
from harness.errors import ModelSetupError
from harness.store.records import PriceSnapshot

logger = logging.getLogger(__name__)

GENERATION_MAX_TOKENS = 64
# Open-ended requests: asked to count, both bundled models stopped after a few numbers.
_GENERATION_REQUESTS = (
    "Write a long story about a robot who learns to paint.",
    "Describe in detail, step by step, how a city water system works.",
)
_SUBJECTS = ("invoice", "contract", "patient record", "poem", "experiment", "pull request")


@dataclass(frozen=True)
class Throughput:
    """Measured speed of a local server: token counts and wall-clock seconds of two calibration requests."""

    prompt_tokens: int
    """Prompt tokens of the prompt-throughput request."""
    prompt_seconds: float
    """Wall-clock seconds of the prompt-throughput request."""
    output_tokens: int
    """Generated tokens of the generation-throughput request."""
    generation_seconds: float
    """Wall-clock seconds of that request minus the estimated time of its prompt."""

    @property
    def prompt_tokens_per_s(self) -> float:
        """Prompt tokens processed per second."""
        return self.prompt_tokens / self.prompt_seconds

    @property
    def output_tokens_per_s(self) -> float:
        """Tokens generated per second."""
        return self.output_tokens / self.generation_seconds


def _long_prompt() -> str:
    # Numbered, varied sentences tokenize to about 300 tokens with the GPT-2-style and
    # SmolLM2 tokenizers; the exact count is read from the reply's usage.
    sentences = [
        f"Record {index}: the {_SUBJECTS[index % len(_SUBJECTS)]} filed on day {index * 7 % 31 + 1} "
        f"was checked by reviewer {chr(65 + index % 26)} and marked as {'complete' if index % 3 else 'pending'}."
        for index in range(1, 15)
    ]
    return " ".join(sentences) + " Reply with one word: how many records are pending?"


def _messages(user_text: str) -> list[dict[str, str]]:
    # A fresh nonce at the start of the system message stops llama.cpp from reusing the
    # cached prefix of the previous request, which would make the prompt look faster than it is.
    nonce = uuid.uuid4().hex[:12]
    return [
        {"role": "system", "content": f"Calibration run {nonce}. You are a concise assistant."},
        {"role": "user", "content": user_text},
    ]


def _timed_completion(
    client: httpx.Client, api_base: str, model_name: str, messages: list[dict[str, str]], max_tokens: int
) -> tuple[dict[str, Any], float]:
    body = {"model": model_name, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0}
    started = time.perf_counter()
    try:
        response = client.post(f"{api_base.rstrip('/')}/chat/completions", json=body)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ModelSetupError(f"calibration request to {api_base} for model {model_name} failed: {exc}") from exc
    elapsed = time.perf_counter() - started
    reply = response.json()
    usage = reply.get("usage") or {}
    if not usage.get("prompt_tokens"):
        raise ModelSetupError(
            f"calibration reply from {api_base} for model {model_name} has no token usage; "
            "the server must report usage to price by compute time"
        )
    return usage, elapsed


CALIBRATION_ROUNDS = 3


def _fastest(measurements: list[tuple[int, float]]) -> tuple[int, float]:
    """Return the (tokens, seconds) pair with the highest tokens per second."""
    usable = [pair for pair in measurements if pair[0] > 0 and pair[1] > 0]
    if not usable:
        return (0, 0.0)
    return max(usable, key=lambda pair: pair[0] / pair[1])


def _measure_round(client: httpx.Client, api_base: str, model_name: str) -> tuple[int, float, int, float]:
    """Time one long prompt and one long answer; return prompt tokens, seconds, output tokens, seconds."""
    prompt_usage, prompt_seconds = _timed_completion(client, api_base, model_name, _messages(_long_prompt()), 1)
    prompt_tokens = int(prompt_usage["prompt_tokens"])
    prompt_rate = prompt_tokens / prompt_seconds

    for request in _GENERATION_REQUESTS:
        usage, total_seconds = _timed_completion(client, api_base, model_name, _messages(request), GENERATION_MAX_TOKENS)
        if int(usage.get("completion_tokens") or 0) >= GENERATION_MAX_TOKENS // 2:
            break
        logger.info("calibration reply of %s stopped early; trying another request", model_name)

    output_tokens = int(usage.get("completion_tokens") or 0)
    generation_seconds = total_seconds - int(usage["prompt_tokens"]) / prompt_rate
    return prompt_tokens, prompt_seconds, output_tokens, generation_seconds


def measure_throughput(api_base: str, model_name: str, timeout: float = 300.0) -> Throughput:
    """Measure prompt and generation throughput of a running OpenAI-compatible server.

    Sends a one-token warm-up, then three rounds of the long prompt and a request for a
    long answer, and keeps the fastest prompt and generation timings. When a long answer
    stops before 32 tokens, a second long-answer request replaces it.

    Args:
        api_base: base URL ending in ``/v1``, e.g. ``LocalServerHandle.api_base``.
        model_name: model alias that the server serves.
        timeout: seconds allowed for each request.

    Raises:
        ModelSetupError: a request failed, a reply has no usage, or the timings do not allow a rate.
    """
    # trust_env=False keeps a configured HTTP proxy from receiving loopback traffic.
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        # The first request after loading pays for page faults and buffer allocation; keep it out of the numbers.
        _timed_completion(client, api_base, model_name, _messages("Say OK."), 1)
        rounds = [_measure_round(client, api_base, model_name) for _ in range(CALIBRATION_ROUNDS)]

    # Other work on the machine only ever slows a round down, so the fastest round is the
    # closest to the server's own speed and varies least from one run to the next.
    prompt_tokens, prompt_seconds = _fastest([(r[0], r[1]) for r in rounds])
    output_tokens, generation_seconds = _fastest([(r[2], r[3]) for r in rounds])
    if output_tokens < 1 or generation_seconds <= 0:
        raise ModelSetupError(
            f"calibration of {model_name} at {api_base} produced no usable generation timing "
            f"({output_tokens} tokens in {generation_seconds:.3f} s after subtracting the prompt); "
            "retry when the machine is less busy"
        )
    throughput = Throughput(prompt_tokens, prompt_seconds, output_tokens, generation_seconds)
    logger.info(
        "calibrated %s: prompt %.1f tokens/s, generation %.1f tokens/s",
        model_name,
        throughput.prompt_tokens_per_s,
        throughput.output_tokens_per_s,
    )
    return throughput


def price_from_throughput(
    model_id: str, compute: ComputePrice, throughput: Throughput, setup: str | None = None
) -> PriceSnapshot:
    """Turn an hourly machine rate and a measured throughput into per-million-token prices.

    Args:
        model_id: model id of the run config.
        compute: hourly rate and its source.
        throughput: measured speed of the server.
        setup: optional description of the server (software, threads), added to the detail.
    """
    usd_per_second = compute.hourly_usd / 3600
    input_per_million = usd_per_second / throughput.prompt_tokens_per_s * 1e6
    output_per_million = usd_per_second / throughput.output_tokens_per_s * 1e6
    detail = (
        f"compute time at {compute.hourly_usd} USD/hour ({compute.source}); "
        f"prompt {throughput.prompt_tokens} tokens in {throughput.prompt_seconds:.3f} s "
        f"= {throughput.prompt_tokens_per_s:.2f} tokens/s; "
        f"generation {throughput.output_tokens} tokens in {throughput.generation_seconds:.3f} s "
        f"= {throughput.output_tokens_per_s:.2f} tokens/s; "
        "price per million = hourly_usd / 3600 / tokens_per_s * 1e6"
    )
    if setup:
        detail += f"; measured on {setup}"
    return PriceSnapshot(
        model_id=model_id,
        priced=True,
        input_per_million=input_per_million,
        output_per_million=output_per_million,
        source="compute",
        as_of=datetime.now(UTC).date().isoformat(),
        detail=detail,
    )


def calibrate_price(
    model_id: str,
    compute: ComputePrice,
    api_base: str,
    model_name: str,
    setup: str | None = None,
    timeout: float = 300.0,
) -> PriceSnapshot:
    """Measure a running server's throughput and return its compute-time price.

    Args:
        model_id: model id of the run config.
        compute: hourly rate and its source.
        api_base: base URL ending in ``/v1``.
        model_name: model alias that the server serves.
        setup: optional description of the server, e.g. ``LocalServerHandle.setup_summary``.
        timeout: seconds allowed for each calibration request.

    Raises:
        ModelSetupError: the server could not be measured.
    """
    throughput = measure_throughput(api_base, model_name, timeout=timeout)
    return price_from_throughput(model_id, compute, throughput, setup)
