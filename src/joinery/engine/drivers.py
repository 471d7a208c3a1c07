"""The driver of each backend, as a small table of functions.

A driver module opens a raw DB-API connection in autocommit mode (joinery
issues ``BEGIN``/``COMMIT`` itself), runs statements, names the exceptions it
raises and tells which of them mean the connection was lost. The connection
layer looks drivers up here by backend name; nothing else imports a driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import driver_mysql, driver_postgres, driver_sqlite, errors


@dataclass(frozen=True)
class Driver:
    """One backend's DB-API driver, and how to read its errors."""

    open: Callable[[dict[str, Any]], Any]
    execute: Callable[[Any, str, Any], Any]
    #: ``execute`` with rows in the driver's binary format, for rows of large binary values; drivers
    #: with one format (sqlite3, PyMySQL) use ``execute``
    execute_binary: Callable[[Any, str, Any], Any]
    executemany: Callable[[Any, str, Any], Any]
    driver_errors: Callable[[], tuple[type[BaseException], ...]]
    is_lost_connection: Callable[[BaseException], bool]
    translate: Callable[[BaseException, str], Exception]
    #: ``pipeline(raw)``: a context in which statements are sent without waiting for their results,
    #: which arrive together when it ends (one round trip for many writes); None: the driver has none
    pipeline: Callable[[Any], Any] | None = None


def _driver(module: ModuleType, translate: Callable[[Any, str], Exception]) -> Driver:
    return Driver(
        open=module.open_connection,
        execute=module.execute,
        execute_binary=getattr(module, "execute_binary", module.execute),
        executemany=module.executemany,
        driver_errors=module.driver_errors,
        is_lost_connection=module.is_lost_connection,
        translate=translate,
        pipeline=getattr(module, "pipeline", None),
    )


DRIVERS = {
    "sqlite": _driver(driver_sqlite, errors.translate_sqlite),
    "postgresql": _driver(driver_postgres, errors.translate_postgres),
    "mysql": _driver(driver_mysql, errors.translate_mysql),
}


def get_driver(backend: str) -> Driver:
    """The driver for ``backend`` ('sqlite', 'postgresql', 'mysql')."""
    from ..errors import DataJointError

    try:
        return DRIVERS[backend]
    except KeyError:
        raise DataJointError(
            f"Unknown database backend {backend!r}; choose one of {sorted(DRIVERS)}."
        ) from None
