"""Headings: the attributes of a table or a query result, in order.

A heading is an immutable value. Table headings come from the catalog; query
nodes derive theirs from their inputs (a join unions them, a projection picks
and renames, an aggregation adds computed attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..definition.spec import TypeSpec

#: the type of an attribute computed by a SQL expression (its real type is the database's)
EXPRESSION_TYPE = TypeSpec(core="expression", category="expression")

_BLOB_LIKE = frozenset({"blob", "codec", "bytes"})


@dataclass(frozen=True)
class Attribute:
    """One attribute of a heading."""

    name: str
    type: TypeSpec
    in_key: bool = False
    nullable: bool = False
    default: str | None = None
    comment: str = ""
    auto_increment: bool = False
    #: the origin ``schema.table.attribute`` this attribute's values come from (see ``lineage.py``);
    #: None for secondary attributes declared in place and for computed attributes. Not part of
    #: equality: a declaration cannot state it, so attributes declared alike compare equal.
    lineage: str | None = field(default=None, compare=False)

    @property
    def is_blob(self) -> bool:
        """True when values are large objects shown as ``<blob>`` in previews."""
        return self.type.category in _BLOB_LIKE

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype used for this attribute in record arrays (as DataJoint chooses)."""
        t = self.type
        if t.category == "float":
            return np.dtype(np.float64)
        if t.category == "int" and not self.nullable:
            return np.dtype(np.uint64 if (t.unsigned and t.bits == 64) else np.int64)
        return np.dtype(object)

    def renamed(self, name: str) -> Attribute:
        return replace(self, name=name)


class Heading:
    """An ordered set of attributes, with lookups by name."""

    __slots__ = ("attributes", "__dict__")

    def __init__(self, attributes: Iterable[Attribute]):
        self.attributes: dict[str, Attribute] = {a.name: a for a in attributes}

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self.attributes.values())

    def __len__(self) -> int:
        return len(self.attributes)

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    def __getitem__(self, name: str) -> Attribute:
        return self.attributes[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Heading) and self.attributes == other.attributes

    def __hash__(self) -> int:
        return hash(tuple(self.attributes.values()))

    @cached_property
    def names(self) -> list[str]:
        return list(self.attributes)

    @cached_property
    def primary_key(self) -> list[str]:
        return [a.name for a in self.attributes.values() if a.in_key]

    @cached_property
    def secondary_attributes(self) -> list[str]:
        return [a.name for a in self.attributes.values() if not a.in_key]

    @cached_property
    def blobs(self) -> list[str]:
        return [a.name for a in self.attributes.values() if a.is_blob]

    @cached_property
    def non_blobs(self) -> list[str]:
        """Attributes a preview shows by value: neither large objects nor JSON (as in DataJoint)."""
        return [a.name for a in self.attributes.values() if not (a.is_blob or a.type.category == "json")]

    @cached_property
    def as_dtype(self) -> np.dtype:
        """A structured dtype with one field per attribute."""
        return np.dtype([(a.name, a.dtype) for a in self.attributes.values()])

    @cached_property
    def memo(self) -> dict:
        """A cache for what upper layers derive from this (immutable) heading, e.g. decoders."""
        return {}

    def select(self, names: Iterable[str]) -> Heading:
        """The attributes named, in the order given."""
        return Heading(self.attributes[n] for n in names)

    def __repr__(self) -> str:
        """The attributes in definition layout (DataJoint's): key, ``---``, the others."""
        lines = []
        in_key = True
        for attr in self.attributes.values():
            if in_key and not attr.in_key:
                lines.append("---")
                in_key = False
            default = "null" if attr.nullable else attr.default
            name = attr.name if default is None else f"{attr.name}={default}"
            kind = attr.type.core + (" auto_increment" if attr.auto_increment else "")
            lines.append(f"{name:<20} : {kind:<28} # {attr.comment}".rstrip())
        return "\n".join(lines) + "\n"
