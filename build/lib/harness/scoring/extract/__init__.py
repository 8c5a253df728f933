"""Answer extraction from free-text model replies, one pipeline shared by every suite.

Turns a reply into a canonical answer for three task shapes: multiple choice (a letter,
`choice`), numeric (a float, `number`) and closed-set classification (one label from a fixed
list, `label`). The modules share `core` (the result type), `markup` (markdown and LaTeX
clean-up), `statements` (explicit answer statements) and `phrases` (token lists and closed
phrase sets).

All extractors follow the same precedence. The last explicit answer statement
("Answer: ...", "The answer is ...", ``\\boxed{...}``) wins, because models often give a
first attempt and then a corrected final answer. Without one, each extractor falls back
to weaker evidence in a fixed order and returns ``missing`` rather than guessing. A reply
that commits to two different answers is ``ambiguous``, so a scorer never credits it.
No extractor raises on reply content, and ``None`` and blank replies are ``missing``.
"""

from harness.scoring.extract.choice import extract_choice
from harness.scoring.extract.core import Extraction, ExtractionStatus
from harness.scoring.extract.label import extract_label
from harness.scoring.extract.number import extract_number, numbers_match, parse_number

__all__ = [
    "Extraction",
    "ExtractionStatus",
    "extract_choice",
    "extract_label",
    "extract_number",
    "numbers_match",
    "parse_number",
]
