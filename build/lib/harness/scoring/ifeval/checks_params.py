"""Typed access to the kwargs of one IFEval instruction.

IFEval (Zhou et al. 2023, arXiv:2311.07911) stores one kwargs dict per instruction in
``input_data.jsonl``. Copies of the data set that use one schema for all rows (such as the
Hugging Face ``google/IFEval`` release) fill the keys an instruction does not use with null,
so null values are treated as absent.
"""

from __future__ import annotations

import enum
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Check = Callable[[str], bool]
"""Predicate over a non-blank response: True if the response follows the instruction."""


class Relation(enum.Enum):
    """Comparison named by the ``relation`` kwargs of the counting instructions."""

    LESS_THAN = "less than"
    AT_LEAST = "at least"

    def compare(self, count: int, threshold: int) -> bool:
        """Return whether ``count`` satisfies this relation to ``threshold``."""
        if self is Relation.LESS_THAN:
            return count < threshold
        return count >= threshold


class Params:
    """The kwargs of one instruction, read through typed getters.

    Every getter raises ``ValueError`` naming the instruction id, the key and the expected
    type. The getters record which keys were read, so ``reject_unused`` can flag keys that the
    instruction does not take.
    """

    def __init__(self, instruction_id: str, kwargs: Mapping[str, Any] | None) -> None:
        if kwargs is None:
            kwargs = {}
        if not isinstance(kwargs, Mapping):
            raise ValueError(
                f"{instruction_id}: kwargs must be a mapping or None, "
                f"got {type(kwargs).__name__}"
            )
        self.instruction_id = instruction_id
        self._values = {key: value for key, value in kwargs.items() if value is not None}
        self._read_keys: set[str] = set()

    def get_int(self, key: str, minimum: int = 0) -> int:
        """Read ``kwargs[key]`` as an int of at least ``minimum``.

        NumPy integers are accepted, and so is a float with an integral value, because pandas
        turns integer columns that contain nulls into floats.
        """
        expected = f"an integer >= {minimum}"
        value = self._get(key, expected)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            raise self._invalid(key, expected, value)
        return int(value)

    def get_str(self, key: str) -> str:
        """Read ``kwargs[key]`` as a string that is not blank."""
        expected = "a non-blank string"
        value = self._get(key, expected)
        if not isinstance(value, str) or not value.strip():
            raise self._invalid(key, expected, value)
        return value

    def get_char(self, key: str) -> str:
        """Read ``kwargs[key]`` as a single character."""
        expected = "a string of one character"
        value = self._get(key, expected)
        if not isinstance(value, str) or len(value) != 1:
            raise self._invalid(key, expected, value)
        return value

    def get_strings(self, key: str) -> tuple[str, ...]:
        """Read ``kwargs[key]`` as a tuple of non-blank strings.

        Any iterable other than a string or a mapping is accepted, because pandas turns the
        JSON lists into NumPy arrays.
        """
        expected = "a list of non-blank strings"
        value = self._get(key, expected)
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise self._invalid(key, expected, value)
        items = tuple(value)
        if not all(isinstance(item, str) and item.strip() for item in items):
            raise self._invalid(key, expected, value)
        return items

    def get_relation(self, key: str) -> Relation:
        """Read ``kwargs[key]`` as a ``Relation``."""
        choices = " or ".join(repr(relation.value) for relation in Relation)
        expected = f"the string {choices}"
        value = self._get(key, expected)
        try:
            return Relation(value)
        except ValueError:
            raise self._invalid(key, expected, value) from None

    def reject_unused(self) -> None:
        """Raise ``ValueError`` if a non-null key was never read by a getter."""
        unused = sorted(set(self._values) - self._read_keys)
        if unused:
            raise ValueError(
                f"{self.instruction_id}: unexpected kwargs {unused}; "
                f"this instruction takes {sorted(self._read_keys) or 'no kwargs'}"
            )

    def _get(self, key: str, expected: str) -> Any:
        self._read_keys.add(key)
        if key not in self._values:
            raise ValueError(f"{self.instruction_id}: missing kwarg {key!r} (expected {expected})")
        return self._values[key]

    def _invalid(self, key: str, expected: str, value: Any) -> ValueError:
        return ValueError(
            f"{self.instruction_id}: kwarg {key!r} must be {expected}, "
            f"got {value!r} ({type(value).__name__})"
        )
