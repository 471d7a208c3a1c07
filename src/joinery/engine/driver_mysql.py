"""The MySQL / MariaDB driver (PyMySQL).

The session runs in autocommit mode (joinery issues ``START TRANSACTION`` and
``COMMIT`` itself), in strict SQL mode so that bad values are refused instead of
truncated, with utf8mb4. PyMySQL interpolates parameters on the client: it is
taught numpy scalars and ``uuid.UUID`` (stored as ``binary(16)``, as DataJoint
stores it).
"""

from __future__ import annotations

import operator
import uuid
from typing import Any

import numpy as np

from .. import errors
from .driver_postgres import local_utc_offset
from .numpy_scalars import FLOATS, INTEGERS

#: PyMySQL error numbers that mean the connection is gone
_LOST = {2006, 2013, 2014, 2045, 2055, 4031}
_SQL_MODE = "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


def _driver() -> Any:
    try:
        import pymysql
    except ImportError:
        raise errors.DataJointError(
            "The mysql backend needs PyMySQL: pip install 'joinery[mysql]'."
        ) from None
    return pymysql


def _encoders(pymysql: Any) -> dict:
    """PyMySQL's value encoders, plus numpy scalars and UUIDs."""
    from pymysql.converters import encoders, escape_bytes, escape_float, escape_int

    table = dict(encoders)
    for np_type in INTEGERS:
        table[np_type] = lambda value, mapping=None: escape_int(operator.index(value), mapping)
    for float_type in FLOATS:
        table[float_type] = lambda value, mapping=None: escape_float(float(value), mapping)
    table[np.bool_] = lambda value, mapping=None: "1" if value else "0"
    table[np.str_] = table[str]
    table[uuid.UUID] = lambda value, mapping=None: escape_bytes(value.bytes, mapping)
    return table


def open_connection(settings: dict[str, Any]) -> Any:
    """A PyMySQL connection for resolved ``settings``; a clear error names the server if it is unreachable."""
    pymysql = _driver()
    from pymysql.converters import conversions

    conv = {**conversions, **_encoders(pymysql)}
    try:
        raw = pymysql.connect(
            host=settings["host"],
            port=settings["port"],
            user=settings["user"],
            password=settings["password"] or "",
            database=settings["database"] or None,
            charset=settings.get("charset") or "utf8mb4",
            autocommit=True,
            conv=conv,
            connect_timeout=10,
            # strict values; CURRENT_TIMESTAMP defaults record this machine's local time, as on SQLite
            init_command=f"SET SESSION sql_mode = '{_SQL_MODE}', time_zone = '{local_utc_offset()}'",
        )
    except pymysql.err.OperationalError as error:
        raise errors.LostConnectionError(
            f"Cannot connect to MySQL at {settings['host']}:{settings['port']} as user {settings['user']!r}: "
            f"{error.args[-1]}. Check database.host, database.port, database.user and database.password, "
            "and that the server is running."
        ) from None
    return raw


def is_lost_connection(error: BaseException) -> bool:
    """True for errors that mean the server connection is gone (restart, network)."""
    pymysql = _driver()
    if isinstance(error, pymysql.err.InterfaceError):
        return True
    return isinstance(error, pymysql.err.OperationalError) and bool(error.args) and error.args[0] in _LOST


def execute(raw: Any, sql: str, params: Any) -> Any:
    """Run one statement; returns the cursor (rows are buffered)."""
    cursor = raw.cursor()
    cursor.execute(sql, params)
    return cursor


def executemany(raw: Any, sql: str, rows: Any) -> Any:
    """Run one statement for many parameter rows (PyMySQL folds INSERTs into multi-row statements)."""
    cursor = raw.cursor()
    cursor.executemany(sql, rows)
    return cursor


def driver_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the driver raises for database errors."""
    return (_driver().err.Error,)
