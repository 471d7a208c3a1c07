"""The table spec: what a ``definition`` string says, as plain data.

``definition/parser.py`` turns definition text into a :class:`TableSpec`; the
declaring layer (``declare.py``) resolves its foreign keys against the user's
classes and ``sql/ddl.py`` compiles the result to ``CREATE TABLE``. Nothing here
touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TypeSpec:
    """A declared attribute type, normalised to DataJoint 2.x's core spelling.

    ``core`` is the canonical name kept in the column comment as ``:core:``
    (``int16``, ``uint8``, ``float64``, ``varchar(20)``, ``enum('a','b')``,
    ``decimal(5,2)``, ``<blob>``, ``<attach@store>``, ...); for a legacy native
    spelling it is that spelling, lower-cased (``longblob``, ``time``, ``text``).

    ``category`` is what the value is, and decides storage and decoding:
    ``int``, ``float``, ``decimal``, ``bool``, ``string`` (char/varchar/text),
    ``enum``, ``uuid``, ``json``, ``bytes``, ``date``, ``datetime``, ``time``,
    ``timestamp``, ``blob`` (a legacy ``longblob``-style column holding a
    serialized Python object), ``codec`` (``<name>`` / ``<name@store>``).
    """

    core: str
    category: str
    #: integer width in bits (8/16/32/64) or float width (32/64); 0 otherwise
    bits: int = 0
    unsigned: bool = False
    #: char/varchar length
    length: int | None = None
    #: decimal precision and scale
    precision: int | None = None
    scale: int | None = None
    #: enum members, in declared order
    members: tuple[str, ...] = ()
    #: codec name (``blob``, ``attach``, ``filepath``, ...) for category ``codec``
    codec: str | None = None
    #: object store name for ``<blob@store>`` / ``blob@store``; ``None`` = in table
    store: str | None = None
    #: ``char`` vs ``varchar`` (fixed-width strings)
    fixed: bool = False
    #: True if the declaration used a legacy / native spelling (``int``, ``longblob``)
    native: bool = False


@dataclass(frozen=True)
class AttributeSpec:
    """One ``name [= default] : type [# comment]`` line."""

    name: str
    type: TypeSpec
    in_key: bool
    nullable: bool = False
    #: the default as written (a SQL literal such as ``50``, ``"abc"``,
    #: ``CURRENT_TIMESTAMP``), or ``None`` when there is no default. A
    #: ``= null`` default gives ``nullable=True`` and ``default=None``.
    default: str | None = None
    comment: str = ""
    auto_increment: bool = False
    line: int = 0


@dataclass(frozen=True)
class ForeignKeySpec:
    """One ``-> [options] Reference`` line, before resolution.

    ``reference`` is the text after the options, e.g. ``Parent``,
    ``other_schema.Parent``, ``master`` or ``Parent.proj(new_name='old_name')``;
    the declaring layer evaluates it in the class's namespace.
    """

    reference: str
    in_key: bool
    nullable: bool = False
    unique: bool = False
    line: int = 0
    #: the whole line as written, for error messages
    text: str = ""


@dataclass(frozen=True)
class IndexSpec:
    """``index(a, b)`` or ``unique index(a)``."""

    attributes: tuple[str, ...]
    unique: bool = False
    line: int = 0


@dataclass(frozen=True)
class TableSpec:
    """A parsed definition: the table comment and its items, in declared order.

    ``items`` keeps attributes and foreign keys interleaved as written, because a
    foreign key inserts the parent's key attributes at its own position.
    """

    comment: str = ""
    items: tuple[AttributeSpec | ForeignKeySpec, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()

    @property
    def attributes(self) -> tuple[AttributeSpec, ...]:
        """The attributes declared directly (not through foreign keys)."""
        return tuple(item for item in self.items if isinstance(item, AttributeSpec))

    @property
    def foreign_keys(self) -> tuple[ForeignKeySpec, ...]:
        """The foreign-key lines, in declared order."""
        return tuple(item for item in self.items if isinstance(item, ForeignKeySpec))


__all__ = ["AttributeSpec", "ForeignKeySpec", "IndexSpec", "TableSpec", "TypeSpec"]
