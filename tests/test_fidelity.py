"""Proof of fidelity: every public suite scores what a model meant, on the real data.

One run of every public suite (variants included, a seeded sample of `LIMIT` items each) goes
through the whole pipeline (`start_run`, LiteLLM, the executor, the scorers, the sandbox)
against a test server on 127.0.0.1 that plays three models:

- `reference` answers each item with its reference answer, written as chat models write
  answers (see `tests.scoring.model_replies`): it must score 100%;
- `wrong` gives a well-formed wrong answer: it must score 0%;
- `noncommittal` gives two answers at once, no content, or the right answer cut off by the
  token limit: it must never be credited, and each reply gets its own outcome.

The server finds the item of a request by rendering every loaded item's messages with
`build_messages`, the function the run itself uses. IFEval has no reference reply: its
replies follow (or break) the first instruction of each prompt that can be tested, so a prompt
with one instruction must pass (or fail) as a whole, and a prompt with several must pass (or
fail) that instruction. Every IFEval instruction instance is checked on its own in
`tests/scoring/ifeval/test_fidelity.py`.

The code suites are also checked on every item, outside the server run: each HumanEval
canonical solution and each MBPP reference solution passes its own tests in the sandbox, and
the same solutions with their functions replaced by stubs fail them.
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
from harness.run import RunOptions, load_suites, start_run
from harness.sandbox import SandboxJob, SandboxLimits, run_many
from harness.scoring.code import build_program, extract_code, sandbox_config
from harness.store.records import Sample
from harness.suite_metrics import compute_suite_metrics
from harness.suites.items import Item
from harness.suites.loader import DATA_DIR_ENV, LoadedSuite
from harness.suites.prompt import build_messages
from harness.suites.registry import discover
from harness.suites.spec import SuiteSpec
from tests.scoring.model_replies import Reply, answered_instruction, expected_noncommittal_outcome, reply_for
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

REPO = Path(__file__).resolve().parents[1]
LIMIT = 40
"""Items per suite in the server run; the code suites are checked on every item below."""
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
    """One loaded item and the reply the server gave each model for it."""

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
        sent = self.items[message_key(body["messages"])]
        assert sent, "the request matches no loaded item"
        # Identical prompts of different items must have the same answer to be told apart.
        replies = {reply_for(body["model"], entry.spec, entry.item) for entry in sent}
        assert len(replies) == 1, [entry.item.id for entry in sent]
        reply = replies.pop()
        for entry in sent:
            self.replies[(body["model"], entry.spec.id, entry.item.id)] = reply
        return ScriptedReply(content=reply.content, finish_reason=reply.finish_reason)


@dataclass(frozen=True)
class FidelityRun:
    """The samples of the run, by (model, suite), and the replies sent."""

    samples: dict[tuple[str, str], list[Sample]]
    replies: dict[tuple[str, str, str], Reply]
    loaded: dict[str, LoadedSuite]
    all_samples: list[Sample]
    manifest: Any


@pytest.fixture(scope="module")
def fidelity_run(tmp_path_factory: pytest.TempPathFactory) -> FidelityRun:
    data_dir = data_dir_or_skip()
    options = RunOptions(data_dir=str(data_dir))
    suites = load_suites(run_config("http://127.0.0.1:1/v1"), options)
    responder = Responder(suites)
    with FakeOpenAIServer(responder) as server:
        outcome = start_run(run_config(server.api_base), options, tmp_path_factory.mktemp("fidelity"))
    samples = list(outcome.run_dir.iter_samples())
    grouped: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[(sample.model_id, sample.suite)].append(sample)
    return FidelityRun(grouped, responder.replies, {suite.spec.id: suite for suite in suites}, samples, outcome.manifest)


def failures(run: FidelityRun, model: str, suite_id: str, expected: str) -> list[dict[str, Any]]:
    """The samples whose outcome is not `expected`, described for the assertion message."""
    return [
        {"item": sample.item_id, "outcome": sample.outcome, "extracted": sample.extracted, "reference": str(sample.reference)[:60],
         "reply": (sample.reply or "")[:160], "details": {key: sample.details.get(key) for key in ("reason", "sandbox_status", "stderr")}}
        for sample in run.samples[(model, suite_id)]
        if sample.outcome != expected
    ]


def ifeval_item(run: FidelityRun, suite_id: str, item_id: str) -> Item:
    return next(item for item in run.loaded[suite_id].items if item.id == item_id)


def test_every_public_suite_ran_on_its_sample(fidelity_run: FidelityRun) -> None:
    for suite_id in PUBLIC_SUITES:
        expected = min(LIMIT, fidelity_run.loaded[suite_id].total_rows)
        for model in MODELS:
            assert len(fidelity_run.samples[(model, suite_id)]) == expected, (model, suite_id)


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_reference_answers_score_100_percent(fidelity_run: FidelityRun, suite_id: str) -> None:
    if suite_id == "creative/ifeval":
        return check_ifeval(fidelity_run, suite_id, "reference", passed=True)
    assert failures(fidelity_run, "reference", suite_id, "correct") == []


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_wrong_answers_score_0_percent(fidelity_run: FidelityRun, suite_id: str) -> None:
    if suite_id == "creative/ifeval":
        return check_ifeval(fidelity_run, suite_id, "wrong", passed=False)
    # A wrong answer is read and marked wrong: never credited, and never lost as unreadable.
    assert failures(fidelity_run, "wrong", suite_id, "incorrect") == []


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_noncommittal_replies_are_never_credited(fidelity_run: FidelityRun, suite_id: str) -> None:
    wrong = []
    for sample in fidelity_run.samples[("noncommittal", suite_id)]:
        reply = fidelity_run.replies[("noncommittal", suite_id, sample.item_id)]
        if sample.outcome != expected_noncommittal_outcome(reply) or sample.score is not None:
            wrong.append((sample.item_id, reply, sample.outcome))
    assert wrong == []


def check_ifeval(run: FidelityRun, suite_id: str, model: str, *, passed: bool) -> None:
    """A prompt with one instruction passes or fails as a whole; with several, its answered instruction does."""
    single_prompts = 0
    for sample in run.samples[(model, suite_id)]:
        item = ifeval_item(run, suite_id, sample.item_id)
        index = answered_instruction(item)
        if index is None:
            continue
        results = sample.details["instructions"]
        assert results[index]["strict"] is passed, (sample.item_id, results[index], sample.reply)
        if len(results) == 1:
            single_prompts += 1
            assert sample.outcome == ("correct" if passed else "incorrect"), sample.item_id
        elif not passed:
            assert sample.outcome == "incorrect", sample.item_id
    assert single_prompts >= LIMIT // 4


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


@functools.cache
def code_suite(suite_id: str) -> LoadedSuite:
    data_dir = data_dir_or_skip()
    registry = discover(REPO / "tasks")
    from harness.suites.loader import load_suite

    return load_suite(registry[suite_id], data_dir)


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
