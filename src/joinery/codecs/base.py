"""Codecs: attribute types with an ``encode``/``decode`` pair, found in a registry.

A codec turns a user's value into something a column can hold (its storage
type, from ``get_dtype``) and back. The SQL layer only ever sees the storage
type. Users add their own by subclassing :class:`Codec` with a ``name``; the
class registers itself, as in DataJoint 2.x.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import DataJointError

_REGISTRY: dict[str, Codec] = {}


class Codec:
    """Base class of attribute codecs (``<name>`` in definitions).

    >>> class Upper(Codec):
    ...     name = "upper_doc_example"
    ...     def get_dtype(self, is_store):
    ...         return "varchar(100)"
    ...     def encode(self, value, *, key=None, store_name=None):
    ...         return value.upper()
    ...     def decode(self, stored, *, key=None):
    ...         return stored
    >>> get_codec("<upper_doc_example>").encode("abc")
    'ABC'
    """

    name: ClassVar[str | None] = None

    def __init_subclass__(cls, *, register: bool = True, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if register and cls.name:
            _REGISTRY[cls.name] = cls()

    def get_dtype(self, is_store: bool) -> str:
        """The storage type: a core type such as ``bytes`` or ``json``."""
        raise NotImplementedError

    def encode(self, value: Any, *, key: dict | None = None, store_name: str | None = None) -> Any:
        """The stored form of ``value``."""
        raise NotImplementedError

    def decode(self, stored: Any, *, key: dict | None = None) -> Any:
        """The user's value from its stored form."""
        raise NotImplementedError

    def validate(self, value: Any) -> None:
        """Raise if ``value`` cannot be encoded (called before any write)."""

    def __repr__(self) -> str:
        return f"<Codec {self.name}>"


def get_codec(name: str) -> Codec:
    """The registered codec called ``name`` (with or without angle brackets, ``@store`` ignored)."""
    bare = name.strip().strip("<>").split("@", 1)[0]
    try:
        return _REGISTRY[bare]
    except KeyError:
        raise DataJointError(
            f"Unknown codec <{bare}>. Registered codecs: {', '.join(sorted(_REGISTRY))}. "
            "Define one by subclassing dj.Codec with name = '...'."
        ) from None


def list_codecs() -> list[str]:
    """Names of the registered codecs."""
    return sorted(_REGISTRY)
