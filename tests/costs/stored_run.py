"""A stored run built by hand, with figures chosen to reproduce the worked ROI example.

legal, 50 items:
- `pages` (specialized, $1 input / $2 output per 1M): items 0-46 correct (94%), each call
  1,000 input + 500 output tokens = $0.002;
- `frontier` ($4 / $8 per 1M): items 0-37 correct (76%), same tokens = $0.008.
So 470 and 95 correct answers per dollar, and 9 items only the specialized model gets right.

code, 10 items:
- `coder` (specialized, unpriced): items 0-7 correct;
- `frontier`: items 0-5 correct, item 9 a provider error (no reply, no cost).
"""

from __future__ import annotations

from pathlib import Path

from harness.store.records import ErrorInfo, Manifest, PriceSnapshot, Sample, SuiteSnapshot, Usage
from harness.store.run_dir import RunDir, SampleWriter

RUN_ID = "20270101-000000-roi-0001"
USAGE = Usage(input_tokens=1000, output_tokens=500)


def manifest() -> Manifest:
    models = [
        {"id": "pages", "model": "openai/pages-7b", "api_base": "http://127.0.0.1:9/v1", "role": "specialized",
         "verticals": ["legal"], "price": {"input_per_million": 1.0, "output_per_million": 2.0, "source": "test"}},
        {"id": "coder", "model": "openai/coder-1b", "api_base": "http://127.0.0.1:9/v1", "role": "specialized",
         "verticals": ["code"]},
        {"id": "frontier", "model": "openai/frontier-xl", "api_base": "http://127.0.0.1:9/v1", "role": "frontier",
         "price": {"input_per_million": 4.0, "output_per_million": 8.0, "source": "test"}},
    ]
    prices = {
        "pages": PriceSnapshot(model_id="pages", priced=True, input_per_million=1.0, output_per_million=2.0,
                               source="config: test", origin="config", price_key="pages"),
        "coder": PriceSnapshot(model_id="coder", priced=False, source="unpriced", origin="unpriced",
                               detail="custom api_base and no price"),
        "frontier": PriceSnapshot(model_id="frontier", priced=True, input_per_million=4.0, output_per_million=8.0,
                                  source="config: test", origin="config", price_key="frontier"),
    }
    suites = {
        "legal/pages": SuiteSnapshot(suite="legal/pages", vertical="legal", kind="benchmark", source="local:x",
                                     fingerprint="0" * 64, items=50, scorer="label", description="pages"),
        "code/small": SuiteSnapshot(suite="code/small", vertical="code", kind="benchmark", source="local:y",
                                    fingerprint="1" * 64, items=10, scorer="code", description="code"),
    }
    return Manifest(run_id=RUN_ID, name="roi", config={"name": "roi", "models": models, "suites": list(suites)},
                    config_hash="0" * 16, prices=prices, suites=suites, planned_samples=120,
                    started_at="2027-01-01T00:00:00+00:00", finished_at="2027-01-01T01:00:00+00:00", status="finished")


def sample(model_id: str, suite: str, item: int, correct: bool, cost: float | None, **fields: object) -> Sample:
    values: dict[str, object] = {"usage": USAGE, "cost_usd": cost, "outcome": "correct" if correct else "incorrect",
                                 "score": 1.0 if correct else 0.0, "reply": "Answer: x", "latency_s": 1.0}
    values.update(fields)
    return Sample(run_id=RUN_ID, model_id=model_id, suite=suite, vertical=suite.split("/")[0], item_id=str(item),
                  messages=[{"role": "user", "content": f"item {item}"}], started_at="2027-01-01T00:00:00+00:00",
                  **values)  # type: ignore[arg-type]


def samples() -> list[Sample]:
    rows = []
    for item in range(50):
        rows.append(sample("pages", "legal/pages", item, item < 47, 0.002))
        rows.append(sample("frontier", "legal/pages", item, item < 38, 0.008))
    for item in range(10):
        rows.append(sample("coder", "code/small", item, item < 8, None))
        if item == 9:
            rows.append(sample("frontier", "code/small", item, False, None, outcome="error", score=None, reply=None,
                               usage=Usage(reported=False), error=ErrorInfo(type="APIConnectionError", message="reset")))
        else:
            rows.append(sample("frontier", "code/small", item, item < 6, 0.008))
    return rows


def write_run(results: Path) -> RunDir:
    """Write the run under results/ and return its folder."""
    run_dir = RunDir.create(results, RUN_ID)
    run_dir.write_manifest(manifest())
    with SampleWriter(run_dir) as writer:
        for row in samples():
            writer.write(row)
    return run_dir
