"""Two stored runs of the same specialized model with known flips, shared by the compare and registry tests.

legal/hearsay, 20 items L01-L20 (model 'spec'):
    base: L01-L18 correct, L19-L20 incorrect  -> 18/20
    new:  L01-L09 correct, L10-L18 incorrect (9 right to wrong), L19 correct (1 wrong to right),
          L20 incorrect                        -> 10/20, delta -40 pp
    McNemar b = 1, c = 9: p = 2 * (1 + 10) / 2^10 = 0.021484375.
science/mmlu, 4 items with groups (model 'spec'):
    base: S1 correct (anatomy), S2 incorrect (anatomy), S3 correct (astronomy), S4 correct (astronomy)
    new:  S1 correct, S2 correct (wrong to right), S3 error (excluded), S4 correct
    Compared S1, S2, S4: b = 1, c = 0, p = 1.
Holm over the two verticals: [0.021484375, 1.0] -> [0.04296875, 1.0] (statsmodels 0.15.0 multipletests).
Costs: $0.001 per base sample, $0.0005 per new sample; latency 1 s in base, 2 s in new.
The base run also has a frontier model 'front' that the new run lacks.
"""

from __future__ import annotations

from pathlib import Path

from harness.store.run_dir import RunDir
from tests.compare.stored_runs import Answer, write_run

BASE_ID = "20260101-000000-base-aaaa"
NEW_ID = "20260201-000000-new-bbbb"
HEARSAY = "legal/hearsay"
MMLU = "science/mmlu"


def _legal(correct: set[int], cost: float, latency: float) -> list[Answer]:
    return [
        Answer(HEARSAY, f"L{n:02d}", "correct" if n in correct else "incorrect", cost=cost, latency=latency)
        for n in range(1, 21)
    ]


def base_answers() -> list[Answer]:
    science = [("S1", "correct", "anatomy"), ("S2", "incorrect", "anatomy"), ("S3", "correct", "astronomy"),
               ("S4", "correct", "astronomy")]
    return _legal(set(range(1, 19)), 0.001, 1.0) + [
        Answer(MMLU, item, outcome, cost=0.001, latency=1.0, group=group) for item, outcome, group in science
    ]


def new_answers() -> list[Answer]:
    science = [("S1", "correct", "anatomy"), ("S2", "correct", "anatomy"), ("S3", "error", "astronomy"),
               ("S4", "correct", "astronomy")]
    legal = _legal(set(range(1, 10)) | {19}, 0.0005, 2.0)
    legal[9] = Answer(HEARSAY, "L10", "incorrect", cost=0.0005, latency=2.0, reply="It is <b>not</b> hearsay | no")
    return legal + [Answer(MMLU, item, outcome, cost=0.0005, latency=2.0, group=group) for item, outcome, group in science]


def write_base(results: Path) -> RunDir:
    front = [Answer(HEARSAY, f"L{n:02d}", "correct") for n in range(1, 21)]
    return write_run(results, BASE_ID, {"spec": base_answers(), "front": front}, started_at="2026-01-01T00:00:00+00:00",
                     response_models={"spec": "spec-2025-01"}, roles={"front": "frontier"})


def write_new(results: Path) -> RunDir:
    return write_run(results, NEW_ID, {"spec": new_answers()}, started_at="2026-02-01T00:00:00+00:00",
                     response_models={"spec": "spec-2025-06"})
