"""Markdown and LaTeX clean-up before answers are matched in a reply."""

from __future__ import annotations

import re

_LATEX_TEXT_WRAPPER = re.compile(
    r"\\(?:text|textbf|textit|textrm|texttt|mathrm|mathbf|mathit|mathtt|emph|operatorname)\s*\{([^{}]*)\}"
)
LATEX_FRACTION = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
# Markdown requires emphasis delimiters to touch their content, so "**C**" is emphasis
# but "* C\n* D" (a bullet list) is not.
_EMPHASIZED_LETTER = re.compile(r"(\*\*|__|\*)([A-Za-z0-9])[.):]?\1")
_INLINE_MARKUP = re.compile(r"\*\*|__|[*`$]|\\[()\[\]]")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|>[ \t]?|[-•+][ \t]+)", re.MULTILINE)


def unwrap_latex_text(text: str) -> str:
    """Replace ``\\text{X}`` and similar wrappers by X, innermost first."""
    previous = None
    while previous != text:
        previous = text
        text = _LATEX_TEXT_WRAPPER.sub(r"\1", text)
    return text


def clean_prose(reply: str) -> str:
    """Strip markdown and LaTeX markup for letter and label matching.

    An emphasized single letter becomes "(C)" because "**C**" names an option as clearly
    as "(C)" does, while a bare "A" may be the article.
    """
    text = unwrap_latex_text(reply.replace("\r\n", "\n"))
    text = _EMPHASIZED_LETTER.sub(r"(\2)", text)
    text = _INLINE_MARKUP.sub("", text)
    return _LINE_PREFIX.sub("", text)
