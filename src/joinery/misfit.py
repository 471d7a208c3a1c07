"""Which attribute refused a row, when the database does not say.

SQLite and MySQL name the column of a refused value; PostgreSQL does not for
data errors ("smallint out of range"), and a batch insert gives no row either.
On that error path only, the rows are checked here against the declared types,
so the error can name the attribute and the value, as on every other backend.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .query.heading import Attribute
from .sql.dialects.base import integer_range


def _int_misfit(attribute: Attribute, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return "an integer"
    low, high = integer_range(attribute.type)
    return None if low <= int(value) <= high else f"an integer from {low} to {high}"


def _float_misfit(attribute: Attribute, value: Any) -> str | None:
    return None if isinstance(value, numbers.Real) else "a number"


def _string_misfit(attribute: Attribute, value: Any) -> str | None:
    if not isinstance(value, str):
        return "a string"
    length = attribute.type.length
    return None if length is None or len(value) <= length else f"at most {length} characters"


def _enum_misfit(attribute: Attribute, value: Any) -> str | None:
    members = attribute.type.members
    return None if value in members else f"one of {', '.join(map(repr, members))}"


_CHECKS: dict[str, Callable[[Attribute, Any], str | None]] = {
    "int": _int_misfit,
    "float": _float_misfit,
    "string": _string_misfit,
    "enum": _enum_misfit,
}


def find_misfit(heading: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str | None:
    """A sentence naming the first attribute whose value does not fit its type, or None."""
    checks = [(i, heading[name], _CHECKS.get(heading[name].type.category)) for i, name in enumerate(names)]
    for row in rows:
        for i, attribute, check in checks:
            value = row[i]
            expected = None if check is None or value is None else check(attribute, value)
            if expected is not None:
                return (
                    f"Attribute `{attribute.name}` ({attribute.type.core}) cannot take {value!r}: "
                    f"expected {expected}."
                )
    return None
