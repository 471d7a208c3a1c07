"""The SQL dialects, one module each; ``get_dialect`` finds one by name."""

from __future__ import annotations

from .base import Dialect
from .mysql import MYSQL
from .postgres import POSTGRES
from .sqlite import SQLITE

_DIALECTS = {"sqlite": SQLITE, "postgres": POSTGRES, "mysql": MYSQL}


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` ('sqlite', 'postgres', 'mysql')."""
    try:
        return _DIALECTS[name]
    except KeyError:
        from ...errors import DataJointError

        raise DataJointError(
            f"Unknown database backend {name!r}; choose one of {sorted(_DIALECTS)}."
        ) from None


__all__ = ["MYSQL", "POSTGRES", "SQLITE", "Dialect", "get_dialect"]
