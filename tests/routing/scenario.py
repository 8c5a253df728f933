"""A hand-worked routing scenario: two models, six items, every figure derivable on paper.

'small' (specialized in legal, $0.001 per answered call, 1 s) and 'big' (frontier, $0.01, 3 s).
Confidence comes from the reply text (harness.routing.confidence): 'Answer: X' scores 1, a bare
'Yes.' scores 0.5, a non-answer 0.

item  vertical  small                        big
L1    legal     correct,   'Answer: Yes' 1   correct
L2    legal     correct,   'Yes.'        0.5 correct
L3    legal     incorrect, 'No.'         0.5 correct
L4    legal     unparseable              0   incorrect
S1    science   incorrect, 'Answer: B'   1   correct
S2    science   error (not billed)           correct

fixed small: 2/6 correct, $0.005 (5 billed calls), $0.000833 per query.
fixed big:   5/6 correct, $0.06, $0.01 per query.
table (legal -> small, * -> big): L1 L2 right, L3 wrong, L4 unparseable kept, S1 S2 big right:
             4/6, 4 x $0.001 + 2 x $0.01 = $0.024, $0.004 per query.
cascade small > big at 0.75: L1 kept; L2, L3 (0.5) and L4 (unparseable) escalate; S1 kept;
             S2 falls back after the error: right on L1 L2 L3 S2 = 4/6,
             $0.001 + 3 x $0.011 + $0.001 + $0.01 = $0.045, $0.0075 per query.
cascade at 0 (failures only): right on L1 L2 S2 = 3/6, $0.025, $0.0041667 per query.
cascade at 1.25 (escalate all): big's answers, 5/6, 5 x $0.011 + $0.01 = $0.065.
oracle: L1 L2 small, L3 S1 S2 big, L4 (nobody right) small: 5/6, $0.033, $0.0055 per query.
"""

from __future__ import annotations

from typing import Any

from harness.store.records import ErrorInfo, Manifest, PriceSnapshot, Sample, SuiteSnapshot, Usage

RUN = "20260301-000000-route-abcd"
LEGAL = "legal/hearsay"
SCIENCE = "science/arc"

QUESTIONS = {
    "L1": "A tenant breaks the lease; can the landlord sue in court?",
    "L2": "Is the witness statement hearsay under the rule?",
    "L3": "Does the contract clause survive the breach?",
    "L4": "Was the plaintiff's claim filed within the statute of limitations?",
    "S1": "Which planet has the longest orbit around the sun?",
    "S2": "What gas do plants release during photosynthesis?",
}

# (outcome, reply) per (model, item); the confidence follows from the reply text.
SCRIPT: dict[tuple[str, str], tuple[str, str | None]] = {
    ("small", "L1"): ("correct", "Answer: Yes"),
    ("small", "L2"): ("correct", "Yes."),
    ("small", "L3"): ("incorrect", "No."),
    ("small", "L4"): ("unparseable", "It depends."),
    ("small", "S1"): ("incorrect", "Answer: B"),
    ("small", "S2"): ("error", None),
    ("big", "L1"): ("correct", "Answer: Yes"),
    ("big", "L2"): ("correct", "Answer: Yes"),
    ("big", "L3"): ("correct", "Answer: Yes"),
    ("big", "L4"): ("incorrect", "Answer: No"),
    ("big", "S1"): ("correct", "Answer: D"),
    ("big", "S2"): ("correct", "Answer: A"),
}
COST = {"small": 0.001, "big": 0.01}
LATENCY = {"small": 1.0, "big": 3.0}


def manifest(priced: bool = True) -> Manifest:
    """The run's manifest; with priced=False the 'big' model has no price."""
    models = [
        {"id": "small", "model": "openai/small", "role": "specialized", "verticals": ["legal"]},
        {"id": "big", "model": "openai/big", "role": "frontier"},
    ]
    prices = {
        "small": PriceSnapshot(model_id="small", priced=True, input_per_million=1.0, output_per_million=2.0, source="test"),
        "big": PriceSnapshot(model_id="big", priced=priced, input_per_million=10.0 if priced else None,
                             output_per_million=20.0 if priced else None, source="test" if priced else "unpriced"),
    }
    suites = {
        suite: SuiteSnapshot(suite=suite, vertical=suite.split("/")[0], kind="benchmark", source="local:test",
                             fingerprint="ab" * 32, items=4 if suite == LEGAL else 2, scorer="label", description="test")
        for suite in (LEGAL, SCIENCE)
    }
    return Manifest(run_id=RUN, name="route-test", config={"name": "route-test", "models": models, "suites": [LEGAL, SCIENCE]},
                    config_hash="cafe" * 4, prices=prices, suites=suites, started_at="2026-03-01T00:00:00+00:00",
                    status="finished")


def samples(priced: bool = True) -> list[Sample]:
    """Every sample of the scenario, in model order."""
    return [sample(model, item, priced) for model in ("small", "big") for item in QUESTIONS]


def sample(model: str, item: str, priced: bool = True, **overrides: Any) -> Sample:
    """One scripted sample."""
    outcome, reply = SCRIPT[(model, item)]
    suite = LEGAL if item.startswith("L") else SCIENCE
    fields: dict[str, Any] = {}
    if outcome == "error":
        fields.update(error=ErrorInfo(type="InternalServerError", message="injected 500"), usage=Usage(reported=False))
    else:
        cost = COST[model] if priced or model == "small" else None
        fields.update(usage=Usage(input_tokens=100, output_tokens=10), cost_usd=cost, latency_s=LATENCY[model], reply=reply)
    fields.update(overrides)
    return Sample(run_id=RUN, model_id=model, suite=suite, vertical=suite.split("/")[0], item_id=item,
                  messages=[{"role": "user", "content": QUESTIONS[item]}], outcome=outcome,
                  started_at="2026-03-01T00:00:00+00:00", **fields)
