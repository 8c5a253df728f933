"""A confidence signal read from a reply's text, for cascades and live escalation.

The signal is a heuristic score in [0, 1] that needs only the reply, its outcome and the
suite's scorer, so the same number is available for every stored sample of every provider
and for a live reply before anyone knows the reference:

- a non-answer (`error`, `unparseable`, `truncated`, `refused`) scores 0;
- an answer starts at 1 and loses 0.5 when the reply has no explicit answer statement
  ("Answer: B", "The answer is 42", a boxed value; for code suites a fenced code block;
  free-text suites such as IFEval have no answer statement and lose nothing here),
  0.25 when its explicit statements disagree (the model changed its mind), and 0.25 when
  the text outside those statements hedges ("I think", "probably", "not sure", ...).

So the levels are 1, 0.75, 0.5, 0.25 and 0. Token log-probabilities would be a calibrated
alternative, but stored samples do not keep them and many providers do not return them,
so an offline simulation could not replay that signal.
"""

from __future__ import annotations

import re

ANSWERED = frozenset({"correct", "incorrect"})
LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Every value `reply_confidence` can return."""

_STATEMENTS = (
    re.compile(r"\b(?:final\s+|correct\s+)?answer\s*(?:is\s*)?[:=]\s*(?P<value>[^\n]+)", re.IGNORECASE),
    re.compile(r"\bthe\s+(?:final\s+|correct\s+|best\s+)?answer\s+is\s*:?\s*(?P<value>[^\n.]+)", re.IGNORECASE),
    re.compile(r"\\boxed\{(?P<value>[^{}]*)\}"),
)
_CODE_BLOCK = re.compile(r"```")
_HEDGES = re.compile(
    r"\b(?:i\s+think|i\s+believe|i\s+guess|probably|possibly|perhaps|maybe|not\s+(?:sure|certain)|unsure|uncertain|"
    r"hard\s+to\s+say|it\s+is\s+unclear|i\s+am\s+not\s+confident|i'm\s+not\s+confident)\b",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"[*_`$\\()\[\]]")


def answer_statements(reply: str) -> list[str]:
    """Return the normalised values of every explicit answer statement in the reply, in order."""
    values = []
    for pattern in _STATEMENTS:
        for match in pattern.finditer(reply):
            # The first word is the answer; what follows ("B. Because ...") is commentary.
            words = _MARKUP.sub("", match.group("value")).split()
            value = words[0].strip(".,;:!").lower() if words else ""
            if value:
                values.append(value)
    return values


def reply_confidence(reply: str | None, outcome: str, scorer: str | None = None) -> float:
    """Return the confidence level of one reply, as the module docstring defines it.

    Args:
        reply: the reply text; None for a failed call.
        outcome: the sample's outcome.
        scorer: the suite's scorer ('choice', 'label', 'numeric', 'code', 'ifeval'); None
            treats the reply as a short answer.
    """
    if outcome not in ANSWERED or not reply:
        return 0.0
    score = 1.0
    if scorer == "code":
        explicit = bool(_CODE_BLOCK.search(reply))
        statements: list[str] = []
    elif scorer == "ifeval":
        explicit, statements = True, []
    else:
        statements = answer_statements(reply)
        explicit = bool(statements)
    if not explicit:
        score -= 0.5
    if len(set(statements)) > 1:
        score -= 0.25
    if _HEDGES.search(_without_statements(reply) if statements else reply):
        score -= 0.25
    return max(0.0, score)


def _without_statements(reply: str) -> str:
    """Return the reply with its answer statements removed, so a label such as 'maybe' is no hedge."""
    for pattern in _STATEMENTS:
        reply = pattern.sub(" ", reply)
    return reply
