"""Code scoring: pull the program out of a reply and run the suite's tests in the sandbox.

The program never runs in the harness process; `harness.sandbox` runs it in a child
process with limits and a wall-clock timeout, and a pass needs positive proof that every
test ran.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.sandbox import SandboxConfig
    from harness.scoring.score import CodeSettings, ScoreResult
    from harness.suites.items import Item
    from harness.suites.spec import SuiteSpec

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
# The MBPP paper's few-shot prompt marks code with [BEGIN] and [DONE] (Austin et al. 2021).
_BEGIN_DONE = re.compile(r"\[BEGIN\][ \t]*\n?(.*?)(?:\[DONE\]|\Z)", re.DOTALL)
MAX_STDERR = 2000


def extract_code(reply: str, entry_point: str | None) -> str | None:
    """Return the code of a reply: the fenced block that defines the entry point, else the last
    Python block, else the whole reply when it looks like code; None when there is no code.

    Code between [BEGIN] and [DONE], as in MBPP's few-shot prompt, counts as one Python block.
    """
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(reply)]
    blocks += [("python", body) for body in _BEGIN_DONE.findall(reply) if body.strip() and "```" not in body]
    python = [body for lang, body in blocks if lang in ("", "python", "py", "python3")]
    if entry_point:
        for body in python:
            if re.search(rf"^\s*def\s+{re.escape(entry_point)}\s*\(", body, re.MULTILINE):
                return body
    if python:
        return python[-1]
    if re.search(r"^\s*(def |import |from |return |class )", reply, re.MULTILINE):
        return reply
    return None


def build_program(code: str, prompt: str | None, entry_point: str | None) -> str:
    """Join the item's prompt and the model's code into one program.

    HumanEval-style prompts end with a function stub, so a reply that repeats the whole
    function still runs after the prompt (the later definition wins and the prompt's
    imports and helpers stay), and a reply that gives only the body completes the stub.
    """
    if not prompt:
        return code
    defines = entry_point is not None and re.search(rf"^\s*def\s+{re.escape(entry_point)}\s*\(", code, re.MULTILINE)
    if defines:
        return f"{prompt}\n\n{code}"
    return prompt + code


# Each concurrent program runs as its own unprivileged uid from this range, so one program's
# fork bomb cannot use up the process limit of the others. No account on a normal system uses them.
SANDBOX_UIDS = (640000, 640256)


def sandbox_config(hidden_paths: tuple[str, ...]) -> SandboxConfig:
    """Return the sandbox settings for scoring: default hidden folders plus the run's own."""
    from harness.sandbox import SandboxConfig

    return SandboxConfig(uid_range=SANDBOX_UIDS, hidden_paths=SandboxConfig().hidden_paths + hidden_paths)


def score_code(spec: SuiteSpec, item: Item, reply: str, settings: CodeSettings) -> ScoreResult:
    """Run the item's tests against the code in the reply."""
    from harness.sandbox import SandboxLimits, run_tests
    from harness.scoring.score import ScoreResult

    options = spec.scorer_options
    entry_point = item.row.get(options.get("entry_point_field", "entry_point"))
    prompt_field = options.get("prompt_field")
    prompt = item.row.get(prompt_field) if prompt_field else None
    code = extract_code(reply, entry_point)
    if code is None:
        return ScoreResult("unparseable", None, {"reason": "no code found in the reply"})
    program = build_program(code, prompt, entry_point)
    timeout_s = settings.timeout_s
    limits = SandboxLimits(wall_seconds=timeout_s, cpu_seconds=max(1, int(timeout_s)))
    config = sandbox_config(settings.hidden_paths)
    result = run_tests(program, str(item.reference), limits=limits, isolation=settings.isolation, config=config, warm=True)
    details = {
        "sandbox_status": result.status,
        "error_type": result.error_type,
        "isolation": result.isolation,
        "duration_s": round(result.duration_s, 3),
        "stderr": result.stderr[-MAX_STDERR:],
    }
    if result.status == "unavailable":
        return ScoreResult("error", code, {**details, "reason": "sandbox unavailable"})
    return ScoreResult("correct" if result.status == "passed" else "incorrect", code, details)
