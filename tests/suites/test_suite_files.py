"""Check that the suite files under tasks/ parse, load their data and render every item's prompt.

Public suites read the local copy of their data set from the data dir: $VERTICALBENCH_DATA_DIR,
else the `shared/data` folder beside the repository checkout. Their tests skip when it is
missing. Starter suites ship their rows beside the suite file and need no data dir.
"""

from __future__ import annotations

import functools
import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.suites.loader import DATA_DIR_ENV, LoadedSuite, load_suite
from harness.suites.prompt import build_messages
from harness.suites.registry import SuiteFile, discover
from harness.suites.spec import SuiteSpec

REPO = Path(__file__).resolve().parents[2]
TASKS_DIR = REPO / "tasks"

MMLU_SUBJECTS = {
    "legal/mmlu-professional-law": ("professional_law", 1534),
    "legal/mmlu-jurisprudence": ("jurisprudence", 108),
    "legal/mmlu-international-law": ("international_law", 121),
    "finance/mmlu-professional-accounting": ("professional_accounting", 282),
    "finance/mmlu-econometrics": ("econometrics", 114),
    "finance/mmlu-high-school-macroeconomics": ("high_school_macroeconomics", 390),
    "medical/mmlu-clinical-knowledge": ("clinical_knowledge", 265),
    "medical/mmlu-medical-genetics": ("medical_genetics", 100),
    "medical/mmlu-professional-medicine": ("professional_medicine", 272),
    "medical/mmlu-college-medicine": ("college_medicine", 173),
    "medical/mmlu-anatomy": ("anatomy", 135),
    "science/mmlu-college-physics": ("college_physics", 102),
    "science/mmlu-college-chemistry": ("college_chemistry", 100),
    "science/mmlu-college-biology": ("college_biology", 144),
    "science/mmlu-high-school-physics": ("high_school_physics", 151),
}

# LegalBench suite id: (task folder, rows in test.jsonl, rows in train.jsonl).
LEGALBENCH_TASKS = {
    "legal/legalbench-hearsay": ("hearsay", 95, 5),
    "legal/legalbench-abercrombie": ("abercrombie", 95, 5),
    "legal/legalbench-personal-jurisdiction": ("personal_jurisdiction", 50, 4),
    "legal/legalbench-proa": ("proa", 95, 5),
    "legal/legalbench-diversity-1": ("diversity_1", 300, 6),
    "legal/legalbench-overruling": ("overruling", 300, 6),
    "legal/legalbench-cuad-audit-rights": ("cuad_audit_rights", 300, 6),
}

# LegalBench tasks whose folder holds the task's own prompt file (base_prompt.txt); the March
# 2023 version of `overruling` has none.
PROMPT_FILE_TASKS = {suite_id for suite_id, (task, _, _) in LEGALBENCH_TASKS.items() if task != "overruling"}

# Zero-shot variants: variant id -> the suite whose items it asks without examples.
ZERO_SHOT_VARIANTS = {f"{suite_id}-zero-shot": suite_id for suite_id in (*MMLU_SUBJECTS, *LEGALBENCH_TASKS)}

# Every variant: variant id -> the suite whose items it sends in another prompt format.
VARIANTS = {**ZERO_SHOT_VARIANTS, "code/mbpp-3-shot": "code/mbpp"}

# Row counts of the local copies of the data sets.
PUBLIC_ROWS = {
    "code/humaneval": 164,
    "code/mbpp": 257,
    "finance/tatqa-arithmetic": 300,
    "medical/pubmedqa": 500,
    "medical/pubmedqa-no-context": 500,
    "creative/ifeval": 541,
    "science/arc-challenge": 1172,
    "science/gsm8k": 1319,
    **{suite_id: rows for suite_id, (_, rows, _) in LEGALBENCH_TASKS.items()},
    **{suite_id: rows for suite_id, (_, rows) in MMLU_SUBJECTS.items()},
}
PUBLIC_ROWS.update({variant: PUBLIC_ROWS[base] for variant, base in VARIANTS.items()})
PUBLIC_SUITES = sorted(PUBLIC_ROWS)
LOCAL_ONLY_SUITES = {"finance/tatqa-arithmetic"}

STARTER_SUITES = [f"{vertical}/starter" for vertical in ("code", "creative", "finance", "legal", "medical", "science")]
STARTER_ROWS = 8

# The IFEval instructions the creative starter may use, with the kwargs names IFEval gives them.
STARTER_INSTRUCTION_KWARGS = {
    "punctuation:no_comma": set(),
    "length_constraints:number_words": {"num_words", "relation"},
    "keywords:existence": {"keywords"},
    "keywords:forbidden_words": {"forbidden_words"},
    "change_case:english_lowercase": set(),
    "detectable_format:title": set(),
    "startend:end_checker": {"end_phrase"},
    "detectable_content:postscript": {"postscript_marker"},
    "detectable_format:number_bullet_lists": {"num_bullets"},
    "length_constraints:number_sentences": {"num_sentences", "relation"},
}

SUBPROCESS_TIMEOUT_SECONDS = 30


# --- helpers -------------------------------------------------------------------------------


@functools.cache
def suites() -> dict[str, SuiteFile]:
    return discover(TASKS_DIR)


def default_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser().resolve() if override else (REPO.parent / "shared" / "data").resolve()


@pytest.fixture
def data_dir() -> Path:
    """Return the data dir, or skip the test when the local data sets are not there."""
    path = default_data_dir()
    if not (path / "README.md").is_file():
        pytest.skip(f"data dir not found at {path}; set {DATA_DIR_ENV} to the folder with the local data sets")
    return path


@functools.cache
def load_local(suite_id: str, data_dir: Path) -> LoadedSuite:
    return load_suite(suites()[suite_id], data_dir)


def user_prompt(spec: SuiteSpec, item: Any) -> str:
    messages = build_messages(spec, item)
    assert messages[-1]["role"] == "user"
    return messages[-1]["content"]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_reference(spec: SuiteSpec, item: Any) -> None:
    """Assert that an item's reference has the form its suite's answer type expects."""
    answer = spec.answer
    if answer.type == "choice":
        assert item.choices, f"{spec.id} item {item.id} has no options"
        assert item.reference in string.ascii_uppercase[: len(item.choices)], f"{spec.id} item {item.id}: {item.reference!r}"
    elif answer.type == "label":
        assert item.reference in answer.labels, f"{spec.id} item {item.id}: {item.reference!r} not in {answer.labels}"
    elif answer.type == "number":
        float(item.reference)
    elif answer.type == "code":
        assert isinstance(item.reference, str) and "assert" in item.reference, f"{spec.id} item {item.id}"
    elif answer.type == "instructions":
        reference = item.reference
        assert set(reference) == {"instruction_id_list", "kwargs", "prompt"}
        assert len(reference["instruction_id_list"]) == len(reference["kwargs"]) >= 1
        assert reference["prompt"] == item.row["prompt"]


def run_python(program: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )


# --- suite files ---------------------------------------------------------------------------


def test_discover_finds_every_suite():
    assert set(suites()) == set(PUBLIC_SUITES) | set(STARTER_SUITES)


def test_prompt_file_urls_are_pinned_to_a_commit():
    for suite_id in PROMPT_FILE_TASKS:
        task, _, _ = LEGALBENCH_TASKS[suite_id]
        template_file = suites()[suite_id].spec.prompt.template_file
        assert template_file is not None and template_file.url is not None
        assert re.fullmatch(
            rf"https://raw\.githubusercontent\.com/HazyResearch/legalbench/[0-9a-f]{{40}}/tasks/{task}/base_prompt\.txt",
            template_file.url,
        ), suite_id


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_public_suite_metadata(suite_id):
    spec = suites()[suite_id].spec
    source = spec.source

    assert spec.kind == "benchmark"
    assert spec.description.strip()
    assert source.license
    assert source.citation
    assert source.local is not None
    assert source.local.relative_to == "data_dir"
    if suite_id in LOCAL_ONLY_SUITES:
        assert source.hub is None
        assert "hub" in spec.description
    else:
        assert source.hub is not None
    if spec.scorer == "code":
        assert spec.max_tokens >= 512
    assert spec.variant_of == VARIANTS.get(suite_id)
    if suite_id in MMLU_SUBJECTS:
        assert spec.family == "mmlu"
    if suite_id in LEGALBENCH_TASKS:
        assert spec.family == "legalbench"
    if suite_id in ZERO_SHOT_VARIANTS:
        base = suites()[spec.variant_of].spec
        assert spec.family == f"{base.family}-zero-shot"
        assert spec.prompt.fewshot is None and spec.prompt.template_file is None
        assert (spec.source, spec.fields, spec.answer, spec.scorer) == (base.source, base.fields, base.answer, base.scorer)


@pytest.mark.parametrize("suite_id", STARTER_SUITES)
def test_starter_suite_metadata(suite_id):
    spec = suites()[suite_id].spec

    assert spec.kind == "starter"
    assert "smoke set" in spec.description
    assert "not a benchmark" in spec.description
    assert spec.source.hub is None
    assert spec.source.local is not None
    assert spec.source.local.relative_to == "suite"


# --- public suites against the local data ----------------------------------------------------


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_public_suite_row_count(suite_id, data_dir):
    loaded = load_local(suite_id, data_dir)

    assert loaded.total_rows == PUBLIC_ROWS[suite_id]
    assert len(loaded.items) == PUBLIC_ROWS[suite_id]
    assert loaded.source.startswith("local:")


@pytest.mark.parametrize("suite_id", PUBLIC_SUITES)
def test_public_suite_prompts_render(suite_id, data_dir):
    loaded = load_local(suite_id, data_dir)
    spec = loaded.spec

    for item in loaded.items:
        check_reference(spec, item)
        prompt = user_prompt(spec, item)
        assert prompt, f"{suite_id} item {item.id} renders an empty prompt"
        if spec.scorer != "ifeval":
            asks = ("Answer:", "```python", "[BEGIN] and [DONE]")
            assert any(marker in prompt for marker in asks), f"{suite_id} item {item.id} does not ask for a final answer"


@pytest.mark.parametrize("suite_id", sorted(MMLU_SUBJECTS))
def test_mmlu_prompt_has_five_shots(suite_id, data_dir):
    subject, _ = MMLU_SUBJECTS[suite_id]
    loaded = load_local(suite_id, data_dir)
    dev_rows = read_jsonl(data_dir / "mmlu" / "dev" / f"{subject}.jsonl")

    for item in loaded.items:
        prompt = user_prompt(loaded.spec, item)
        assert item.group == subject
        assert len(item.fewshot) == 5
        assert [example["id"] for example in item.fewshot] == [row["id"] for row in dev_rows]
        for example in item.fewshot:
            assert example["subject"] == subject
            assert f"Question: {example['question']}" in prompt
        own_options = "\n".join(f"{letter}. {choice}" for letter, choice in zip("ABCD", item.row["choices"]))
        # The rendered prompt is stripped, so an option's trailing space at the very end goes.
        own_question = f"Question: {item.row['question']}\n{own_options}".rstrip()
        assert prompt.endswith(own_question), f"{suite_id} item {item.id}"


@pytest.mark.parametrize("suite_id", sorted(ZERO_SHOT_VARIANTS))
def test_zero_shot_variant_asks_the_same_items_without_examples(suite_id, data_dir):
    base = load_local(ZERO_SHOT_VARIANTS[suite_id], data_dir)
    variant = load_local(suite_id, data_dir)
    examples = base.items[0].fewshot

    assert [item.id for item in variant.items] == [item.id for item in base.items]
    assert [item.reference for item in variant.items] == [item.reference for item in base.items]
    for item in variant.items[:20]:
        prompt = user_prompt(variant.spec, item)
        assert item.fewshot == () and item.prompt_file is None
        assert "Answer:" in prompt
        for example in examples:
            assert example.get("question", example.get("text", "")).strip() not in prompt


@pytest.mark.parametrize("suite_id", sorted(PROMPT_FILE_TASKS))
def test_legalbench_prompt_is_the_task_prompt_file(suite_id, data_dir):
    task, _, _ = LEGALBENCH_TASKS[suite_id]
    loaded = load_local(suite_id, data_dir)
    spec = loaded.spec
    base_prompt = (data_dir / "legalbench" / task / "base_prompt.txt").read_text(encoding="utf-8")

    assert spec.prompt.fewshot is None
    assert spec.prompt.template_file is not None
    assert spec.prompt.template_file.local == f"legalbench/{task}/base_prompt.txt"
    assert base_prompt.count("{{text}}") == 1
    for item in loaded.items:
        prompt = user_prompt(spec, item)
        # The authors' prompt with the item in its slot closes the message, after the answer-line instruction.
        assert prompt.endswith(base_prompt.replace("{{text}}", item.row["text"]).strip()), f"{suite_id} item {item.id}"
        assert "{{" not in prompt
        assert "`Answer: <label>`" in prompt.split("\n\n", 1)[0]
    assert sorted(spec.answer.labels) == sorted({row["label"] for row in read_jsonl(data_dir / "legalbench" / task / "test.jsonl")})


def test_legalbench_overruling_prompt_uses_train_rows(data_dir):
    task, _, train_rows = LEGALBENCH_TASKS["legal/legalbench-overruling"]
    loaded = load_local("legal/legalbench-overruling", data_dir)
    train = read_jsonl(data_dir / "legalbench" / task / "train.jsonl")
    item = loaded.items[0]
    prompt = user_prompt(loaded.spec, item)

    assert not (data_dir / "legalbench" / task / "base_prompt.txt").exists()
    assert len(train) == train_rows
    assert loaded.spec.prompt.fewshot is not None
    assert len(item.fewshot) == train_rows == 6
    for example in train:
        assert example["text"].strip() in prompt


def test_mbpp_3_shot_follows_the_paper_prompt(data_dir):
    loaded = load_local("code/mbpp-3-shot", data_dir)
    base = load_local("code/mbpp", data_dir)

    assert [item.id for item in loaded.items] == [item.id for item in base.items]
    for item in loaded.items:
        prompt = user_prompt(loaded.spec, item)
        assert [example["task_id"] for example in item.fewshot] == [2, 3, 4]
        assert prompt.count("[BEGIN]") == 4
        assert prompt.count("[DONE]") == 4
        for test in item.row["test_list"]:
            assert test in prompt, f"{item.id}: {test}"
        for example in item.fewshot:
            assert example["code"].strip() in prompt


def test_humaneval_reference_accepts_canonical_solutions(data_dir):
    loaded = load_local("code/humaneval", data_dir)

    for item in loaded.items[:5]:
        program = item.row["prompt"] + item.row["canonical_solution"] + "\n" + item.reference
        result = run_python(program)
        assert result.returncode == 0, f"{item.id}: {result.stderr[-500:]}"


def test_mbpp_reference_accepts_reference_code(data_dir):
    loaded = load_local("code/mbpp", data_dir)

    for item in loaded.items[:5]:
        result = run_python(item.row["code"] + "\n" + item.reference)
        assert result.returncode == 0, f"{item.id}: {result.stderr[-500:]}"
        assert item.row["test_list"][0] in user_prompt(loaded.spec, item)


# --- starter suites --------------------------------------------------------------------------


@pytest.mark.parametrize("suite_id", STARTER_SUITES)
def test_starter_suite_loads_without_data_dir(suite_id, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    suite = suites()[suite_id]
    loaded = load_suite(suite, None)

    assert loaded.total_rows == STARTER_ROWS
    assert loaded.source.startswith("local:")
    for item in loaded.items:
        check_reference(loaded.spec, item)
        assert user_prompt(loaded.spec, item)


def test_creative_starter_uses_known_instructions():
    rows = read_jsonl(TASKS_DIR / "creative" / "data" / "starter.jsonl")

    for row in rows:
        assert len(row["instruction_id_list"]) == len(row["kwargs"])
        for instruction_id, kwargs in zip(row["instruction_id_list"], row["kwargs"]):
            assert instruction_id in STARTER_INSTRUCTION_KWARGS, f"{row['key']}: {instruction_id}"
            assert set(kwargs) == STARTER_INSTRUCTION_KWARGS[instruction_id], f"{row['key']}: {instruction_id}"


CODE_STARTER_ROWS = read_jsonl(TASKS_DIR / "code" / "data" / "starter.jsonl")


@pytest.mark.parametrize("row", CODE_STARTER_ROWS, ids=[row["task_id"] for row in CODE_STARTER_ROWS])
def test_code_starter_solution_passes(row):
    item = next(item for item in load_suite(suites()["code/starter"], None).items if item.id == row["task_id"])

    solved = run_python(row["prompt"] + row["canonical_solution"] + "\n" + item.reference)
    assert solved.returncode == 0, solved.stderr[-500:]


@pytest.mark.parametrize("row", CODE_STARTER_ROWS, ids=[row["task_id"] for row in CODE_STARTER_ROWS])
def test_code_starter_tests_reject_stub(row):
    stub = row["prompt"] + "    return None\n\n" + row["test"] + f"\n\ncheck({row['entry_point']})\n"

    assert run_python(stub).returncode != 0
