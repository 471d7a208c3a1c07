"""The table tiers users subclass: Manual, Lookup, Imported, Computed, Part.

Each tier fixes the prefix of its table names (DataJoint's convention:
``name``, ``#name``, ``_name``, ``__name``, ``master__part``). ``TableMeta`` lets
the class itself be used where an instance is meant (``Table.insert(...)``,
``Table & cond``, ``A * B``), as DataJoint users write it: the class makes an
instance and forwards the call.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from .populate import AutoPopulate
from .tables import Table

#: methods and properties that, read on a table class, are read on a new instance
FORWARDED = frozenset(
    [
        "insert",
        "insert1",
        "update1",
        "delete",
        "delete_quick",
        "drop",
        "drop_quick",
        "fetch",
        "fetch1",
        "to_arrays",
        "to_dicts",
        "to_pandas",
        "keys",
        "head",
        "tail",
        "proj",
        "aggr",
        "aggregate",
        "join",
        "extend",
        "restrict",
        "describe",
        "populate",
        "progress",
        "parents",
        "children",
        "ancestors",
        "descendants",
        "parts",
        "heading",
        "primary_key",
        "full_table_name",
        "make_sql",
        "preview",
        "key_source",
        "jobs",
        "is_declared",
        "connection",
    ]
)


class TableMeta(type):
    """Lets a table class stand for its instance in queries and writes."""

    def __getattribute__(cls, name: str) -> Any:
        if name in FORWARDED and type.__getattribute__(cls, "table_name") is not None:
            return getattr(cls(), name)
        return type.__getattribute__(cls, name)

    def __and__(cls, other: Any) -> Any:
        return cls() & other

    def __sub__(cls, other: Any) -> Any:
        return cls() - other

    def __mul__(cls, other: Any) -> Any:
        return cls() * other

    def __rmul__(cls, other: Any) -> Any:
        return other * cls()

    def __add__(cls, other: Any) -> Any:
        return cls() + other

    def __len__(cls) -> int:
        return len(cls())

    def __iter__(cls) -> Any:
        return iter(cls())

    def __contains__(cls, item: Any) -> bool:
        return item in cls()

    def __bool__(cls) -> bool:
        return True


def snake_case(name: str) -> str:
    """``DetectionParams`` -> ``detection_params`` (DataJoint's table-name rule).

    Each capital letter after the first starts a new word, digits stay with the
    word before them (``Scan2D`` -> ``scan2_d``). Underscores are dropped with a
    warning, as DataJoint does (``My_Table`` -> ``my_table``).
    """
    if "_" in name:
        warnings.warn(
            f"Table class name `{name}` contains underscores, which are dropped from its table name; "
            "CamelCase names without underscores are recommended.",
            UserWarning,
            stacklevel=2,
        )
        name = name.replace("_", "")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
        from .errors import DataJointError

        raise DataJointError(
            f"Table class name {name!r} must be in CamelCase: start with a capital letter, letters and digits only."
        )
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class UserTable(Table, metaclass=TableMeta):
    """Base of the tiers: a table whose class the user declares."""

    tier_prefix = ""
    _allows_direct_insert = True

    @classmethod
    def table_name_for(cls, class_name: str) -> str:
        return cls.tier_prefix + snake_case(class_name)


class Manual(UserTable):
    """Data entered by people (or imported by scripts outside the pipeline)."""


class Lookup(UserTable):
    """Fixed reference data; ``contents`` is inserted when the class is declared."""

    tier_prefix = "#"
    contents: Any = ()


class Imported(AutoPopulate, UserTable):
    """Filled by ``populate()`` from data outside the database."""

    tier_prefix = "_"
    _allows_direct_insert = False


class Computed(AutoPopulate, UserTable):
    """Filled by ``populate()`` from other tables."""

    tier_prefix = "__"
    _allows_direct_insert = False


class Part(UserTable):
    """Rows owned by a master row, declared as a class nested in the master."""

    master: Any = None

    @property
    def _allows_direct_insert(self) -> bool:  # type: ignore[override]
        return bool(getattr(self.master, "_allows_direct_insert", True))
