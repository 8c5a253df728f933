"""Proof of fidelity: every public suite scores what a model meant, on the real data.

A test server on 127.0.0.1 plays three models:

- `reference` answers each item with its reference answer, written as chat models write
  answers (see `tests.scoring.model_replies`): it must score 100%;
- `wrong` gives a well-formed wrong answer: it must score 0%, every reply read and marked wrong;
- `noncommittal` gives two answers at once, no content, or the right answer cut off by the
  token limit: it must never be credited, and each reply gets its own outcome.

One run of every public suite (variants included, a seeded sample of `LIMIT` items each) goes
through the whole pipeline: `start_run`, LiteLLM, the executor, the scorers and the sandbox.
The server finds the item of a request by rendering every item's messages with
`build_messages`, the function the run itself uses. The same replies are then scored on every
item of every suite with `score_reply`, so no row of the data escapes the check.

IFEval has no reference reply: its replies follow (or break) the first instruction of each
prompt that can be tested, so a prompt with one instruction must pass (or fail) as a whole and
a prompt with several must pass (or fail) that instruction. Every IFEval instruction instance
is checked on its own in `tests/scoring/ifeval/test_fidelity.py`.

The code suites are checked on every item in the sandbox: each HumanEval canonical solution
and each MBPP reference solution passes its own tests, and the same solutions with their
functions replaced by stubs fail them.
"""

from __future__ import annotations

import functools
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.config import RunConfig, parse_config
from harness.run import RunOptions, start_run
from harness.sandbox import SandboxJob, SandboxLimits, run_many
from harness.scoring.code import build_program, extract_code, sandbox_config
from harness.scoring.score import score_reply
from harness.store.records import Sample
from harness.suite_metrics import compute_suite_metrics
from harness.suites.items import Item
from harness.suites.loader import DATA_DIR_ENV, LoadedSuite, load_suite
from harness.suites.prompt import build_messages
from harness.suites.registry import discover
from harness.suites.spec import SuiteSpec
from tests.scoring.model_replies import Reply, answered_instruction, expected_noncommittal_outcome, reply_for
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

REPO = Path(__file__).resolve().parents[1]
LIMIT = 20
"""Items per suite in the server run; the scorer and sandbox checks below cover every item."""
MODELS = ("reference", "wrong", "noncommittal")
PUBLIC_SUITES = sorted(suite_id for suite_id, suite in discover(REPO / "tasks").items() if suite.spec.kind == "benchmark")
MBPP_REFERENCE_FAILURES: dict[str, str] = {}
"""MBPP task id -> why its own reference solution fails its tests; listed in docs/suites.md."""


def data_dir_or_skip() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    path = Path(override).expanduser().resolve() if override else (REPO.parent / "shared" / "data").resolve()
    if not (path / "README.md").is_file():
        pytest.skip(f"data dir not found at {path}; set {DATA_DIR_ENV} to the folder with the local data sets")
    return path


def run_config(api_base: str) -> RunConfig:
    price = {"input_per_million": 1.0, "output_per_million": 1.0, "source": "test price"}
    models = [{"id": name, "model": f"openai/{name}", "api_base": api_base, "role": "frontier",
               "price": price, "max_concurrency": 8} for name in MODELS]
    return parse_config({"name": "fidelity", "models": models, "suites": PUBLIC_SUITES,
                         "run": {"limit": LIMIT, "retries": 0, "timeout_s": 60, "code_timeout_s": 10}})


def message_key(messages: list[dict[str, Any]]) -> str:
    return json.dumps([[message["role"], message["content"]] for message in messages], ensure_ascii=False)


@dataclass(frozen=True)
class Sent:
    """One loaded item of a suite."""

    spec: SuiteSpec
    item: Item


class Responder:
    """Answer each request for its item, in the style of the model it names."""

    def __init__(self, suites: list[LoadedSuite]) -> None:
        self.items: dict[str, list[Sent]] = defaultdict(list)
        for suite in suites:
            for item in suite.items:
                self.items[message_key(build_messages(suite.spec, item))].append(Sent(suite.spec, item))
        self.replies: dict[tuple[str, str, str], Reply] = {}

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        sent = self.items.get(message_key(body["messages"]), [])
        # Some data sets repeat a question (MMLU college_physics, LegalBench overruling); the
        # copies must share their reference, and the model gives them the same reply.
        references = {json.dumps(entry.item.reference, sort_keys=True, default=str) for entry in sent}
        if len(references) != 1:
            return ScriptedReply(status=400, error_message=f"no single item for this prompt: {[entry.item.id for entry in sent]}")
        first = min(sent, key=lambda entry: entry.item.id)
        reply = reply_for(body["model"], first.spec, first.item)
        for entry in sent:
            self.replies[(body["model"], entry.spec.id, entry.item.id)] = reply
        return ScriptedReply(content=reply.content, finish_reason=reply.finish_reason)


@functools.cache
def every_item() -> dict[str, LoadedSuite]:
    """Every public suite with all of its items, read from the data dir."""
    data_dir = data_dir_or_skip()
    registry = discover(REPO / "tasks")
    return {suite_id: load_suite(registry[suite_id], data_dir) for suite_id in PUBLIC_SUITES}


@dataclass(frozen=True)
class FidelityRun:
    """The samples of the run, by (model, suite), and the replies sent."""

    samples: dict[tuple[str, str], list[Sample]]
    replies: dict[tuple[str, str, str], Reply]
    all_samples: list[Sample]
    manifest: Any


@pytest.fixture(scope="module")
def fidelity_run(tmp_path_factory: pytest.TempPathFactory) -> FidelityRun:
    data_dir = data_dir_or_skip()
    # Every item is in the index, so whichever sample the run draws finds its item.
    responder = Responder(list(every_item().values()))
    with FakeOpenAIServer(responder) as server:
        outcome = start_run(run_config(server.api_base), RunOptions(data_dir=str(data_dir)), tmp_path_factory.mktemp("fidelity"))
    samples = list(outcome.run_dir.iter_samples())
    grouped: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[(sample.model_id, sample.suite)].append(sample)
    return FidelityRun(grouped, responder.replies, samples, outcome.manifest)


def problem(model: str, item: Item, reply: Reply, outcome: str, score: float | None, details: dict[str, Any]) -> str | None:
    """Say what is wrong with the verdict on one reply, or None when it is the one the model earned."""
    if model == "noncommittal":
        expected = expected_noncommittal_outcome(reply)
        return None if outcome == expected and score is None else f"expected {expected}"
    passed = model == "reference"
    expected = "correct" if passed else "incorrect"
    if isinstance(item.reference, dict) and "instruction_id_list" in item.reference:
        index = answered_instruction(item)
        results = details.get("instructions") or []
        if index is None:
            return None
        if len(results) <= index or results[index]["strict"] is not passed:
            return f"instruction {index} should {'pass' if passed else 'fail'}"
        if len(results) > 1 and passed:
            # The reply follows one of several instructions; the others may go either way.
            return None if outcome in ("correct", "incorrect") else f"outcome {outcome}"
    # A wrong answer is read and marked wrong: never credited, and never lost as unreadable.
    return None if outcome == expected else f"expected {expected}"


def describe(item_id: str, reply: Reply, outcome: str, extracted: Any, note: str) -> dict[str, Any]:
    return {"item": item_id, "problem": note, "outcome": outcome, "extracted": extracted,
            "reply": (reply.content or "")[:160], "finish": reply.finish_reason}


def run_problems(run: FidelityRun, model: str, suite_id: str) -> list[dict[str, Any]]:
    """The samples of the run whose verdict is not the one the model earned."""
    items = {item.id: item for item in every_item()[suite_id].items}
    found = []
    for sample in run.samples[(model, suite_id)]:
        reply = run.replies[(model, suite_id, sample.item_id)]
        note = problem(model, items[sample.item_id], reply, sample.outcome, sample.score, sample.details)
        if note is not None:
            found.append(describe(sample.item_id, reply, sample.outcome, sample.extracted, note)
                         | {"reason": sample.details.get("reason"), "stderr": str(sample.details.get("stderr"))[-200:]})
    return found


def test_every_public_suite_ran_on_its_sample(fidelity_run: FidelityRun) -> None:
    for suite_id in PUBLIC_SUITES:
        expected = min(LIMIT, every_item()[suite_id].total_rows)
        for model in MODELS:
            assert len(fidelity_run.samples[(model, suite_id)]) == expected, (model, suite_id)


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_reference_answers_score_100_percent(fidelity_run: FidelityRun, suite_id: str) -> None:
    assert run_problems(fidelity_run, "reference", suite_id) == []
    if suite_id != "creative/ifeval":
        assert {sample.outcome for sample in fidelity_run.samples[("reference", suite_id)]} == {"correct"}


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_wrong_answers_score_0_percent(fidelity_run: FidelityRun, suite_id: str) -> None:
    assert run_problems(fidelity_run, "wrong", suite_id) == []
    assert {sample.outcome for sample in fidelity_run.samples[("wrong", suite_id)]} == {"incorrect"}


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_noncommittal_replies_are_never_credited(fidelity_run: FidelityRun, suite_id: str) -> None:
    assert run_problems(fidelity_run, "noncommittal", suite_id) == []


# The variants share their base suite's items, answer and scorer, as tests/suites checks. So
# scoring every item of the base suites covers them. Code items are checked in the sandbox below.
SCORED_SUITES = [
    suite_id for suite_id, suite in discover(REPO / "tasks").items()
    if suite.spec.kind == "benchmark" and suite.spec.variant_of is None and suite.spec.scorer != "code"
]


@pytest.mark.parametrize("suite_id", sorted(SCORED_SUITES))
def test_every_item_is_scored_as_meant(suite_id: str) -> None:
    suite = every_item()[suite_id]
    found = []
    for item in suite.items:
        for model in MODELS:
            reply = reply_for(model, suite.spec, item)
            result = score_reply(suite.spec, item, reply.content, reply.finish_reason)
            note = problem(model, item, reply, result.outcome, result.score, result.details)
            if note is not None:
                found.append(describe(item.id, reply, result.outcome, result.extracted, f"{model}: {note}"))
    assert found == []


def test_families_print_both_means(fidelity_run: FidelityRun) -> None:
    metrics = compute_suite_metrics(fidelity_run.all_samples, fidelity_run.manifest)
    families = {(entry.model_id, entry.vertical, entry.family): entry for entry in metrics.families}

    assert {(vertical, family) for model, vertical, family in families if model == "reference"} == {
        (vertical, family)
        for vertical in ("legal", "finance", "medical", "science") for family in ("mmlu", "mmlu-zero-shot")
    } | {("legal", "legalbench"), ("legal", "legalbench-zero-shot")}
    for (model, _, family), entry in families.items():
        expected = {"reference": 1.0, "wrong": 0.0, "noncommittal": 0.0}[model]
        assert (entry.item_mean, entry.subtask_mean) == (expected, expected), (model, family)
    assert families[("reference", "legal", "legalbench")].subtasks == 7
    assert families[("reference", "medical", "mmlu")].subtasks == 5


def test_code_pass_at_1_from_the_run(fidelity_run: FidelityRun) -> None:
    metrics = compute_suite_metrics(fidelity_run.all_samples, fidelity_run.manifest)
    pass_at_1 = {(entry.model_id, entry.suite): entry.pass_at[0] for entry in metrics.code}

    for suite_id in ("code/humaneval", "code/mbpp"):
        assert pass_at_1[("reference", suite_id)].value == 1.0
        assert pass_at_1[("wrong", suite_id)].value == 0.0
        assert pass_at_1[("noncommittal", suite_id)].value == 0.0


# --- every code item, straight through the sandbox ---------------------------------------------


def code_suite(suite_id: str) -> LoadedSuite:
    return every_item()[suite_id]


def sandbox_results(suite_id: str, replies: list[str]) -> list[Any]:
    """Run each reply's program against its item's tests, built exactly as the code scorer builds them."""
    suite = code_suite(suite_id)
    options = suite.spec.scorer_options
    jobs = []
    for item, reply in zip(suite.items, replies):
        entry_point = item.row.get(options.get("entry_point_field", "entry_point"))
        prompt = item.row.get(options["prompt_field"]) if "prompt_field" in options else None
        code = extract_code(reply, entry_point)
        assert code is not None, item.id
        jobs.append(SandboxJob(build_program(code, prompt, entry_point), str(item.reference),
                               SandboxLimits(wall_seconds=10, cpu_seconds=10)))
    return run_many(jobs, config=sandbox_config(()))


def test_humaneval_canonical_solutions_pass_164_of_164() -> None:
    suite = code_suite("code/humaneval")
    replies = [f"```python\n{item.row['prompt']}{item.row['canonical_solution']}```" for item in suite.items]

    results = sandbox_results("code/humaneval", replies)
    assert len(results) == 164
    assert [(item.id, result.status, result.stderr[-300:]) for item, result in zip(suite.items, results) if result.status != "passed"] == []


def test_mbpp_reference_solutions_pass_their_tests() -> None:
    suite = code_suite("code/mbpp")
    replies = [f"```python\n{item.row['code']}\n```" for item in suite.items]

    results = sandbox_results("code/mbpp", replies)
    failed = {item.id: result.stderr[-300:] for item, result in zip(suite.items, results) if result.status != "passed"}
    assert len(results) == 257
    assert set(failed) == set(MBPP_REFERENCE_FAILURES), failed


@pytest.mark.parametrize("suite_id", ["code/humaneval", "code/mbpp"])
def test_stubbed_solutions_fail_every_item(suite_id: str) -> None:
    from tests.scoring.model_replies import broken_code_reply

    suite = code_suite(suite_id)
    results = sandbox_results(suite_id, [broken_code_reply(suite.spec, item) for item in suite.items])
    assert [item.id for item, result in zip(suite.items, results) if result.status == "passed"] == []


def test_report_of_the_run_prints_both_means(fidelity_run: FidelityRun, tmp_path: Path) -> None:
    from harness.report.render import render_reports

    paths = render_reports(fidelity_run.manifest, lambda: fidelity_run.all_samples, tmp_path, resamples=20)
    markdown = paths.markdown.read_text(encoding="utf-8")

    section = markdown[markdown.index("## Suite metrics"):markdown.index("## Specialized against frontier")]
    assert "| reference | legal | legalbench | 7 | 7 | 140 | 100.0% [" in section
    assert "| wrong | medical | mmlu | 5 | 5 | 100 | 0.0% [" in section
    assert "mean over subtasks |" in section
    assert "mean over items |" in section
    assert "| reference | creative/ifeval | 20 |" in section
