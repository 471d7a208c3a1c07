"""The embedded SQLite driver (standard library ``sqlite3``).

Opens the database file in autocommit mode (joinery issues ``BEGIN``/``COMMIT``
itself), in WAL mode with foreign keys on, and teaches ``sqlite3`` to bind
numpy scalars and the Python values joinery's encoders produce.
"""

from __future__ import annotations

import datetime
import decimal
import operator
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .numpy_scalars import FLOATS, INTEGERS

#: how long a writer waits for another process's write lock before failing
SQLITE_BUSY_TIMEOUT_MS = 60_000
#: how much of the file reads may map into memory instead of copying through read() calls: random
#: reads by key (``fetch1`` in a ``make``) take ~15% less time. Writes still go through write().
SQLITE_MMAP_BYTES = 256 * 2**20


def _register_sqlite_adapters() -> None:
    """Let sqlite3 bind numpy scalars and common Python values directly.

    Registering adapters for types the driver does not know costs nothing for
    the types it does know (int, float, str, bytes), so the fast path stays fast.
    """
    for np_type in INTEGERS:
        sqlite3.register_adapter(np_type, operator.index)
    for np_type in FLOATS:
        sqlite3.register_adapter(np_type, float)  # type: ignore[arg-type]
    sqlite3.register_adapter(np.bool_, int)
    sqlite3.register_adapter(np.str_, str)
    sqlite3.register_adapter(decimal.Decimal, str)
    sqlite3.register_adapter(uuid.UUID, lambda u: u.bytes)
    sqlite3.register_adapter(datetime.datetime, lambda d: d.isoformat(sep=" "))
    sqlite3.register_adapter(datetime.date, lambda d: d.isoformat())


_register_sqlite_adapters()


def _regexp(pattern: str | None, value: object) -> bool | None:
    """MySQL's ``value REGEXP pattern`` (case-insensitive, as MySQL's default collation is)."""
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value), re.IGNORECASE) is not None


def register_sqlite_functions(raw: sqlite3.Connection) -> None:
    """SQL functions DataJoint users' fragments may call that SQLite lacks."""
    raw.create_function("regexp", 2, _regexp, deterministic=True)


def open_sqlite(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the SQLite file, in WAL mode with foreign keys on.

    WAL lets readers run while one process writes, which is what several
    populating processes on one machine need. Like WAL, memory-mapped reads need
    the file on a local disk (SQLite's advice for any shared database file).
    """
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(
        path,
        isolation_level=None,
        timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
    )
    register_sqlite_functions(raw)
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    return raw


def open_connection(settings: dict[str, Any]) -> sqlite3.Connection:
    """The raw connection for resolved ``settings`` (their ``path``)."""
    return open_sqlite(settings["path"])


def is_lost_connection(error: BaseException) -> bool:
    """An embedded database cannot lose its connection."""
    return False


def execute(raw: sqlite3.Connection, sql: str, params: Any) -> sqlite3.Cursor:
    """Run one statement; returns the cursor."""
    return raw.execute(sql, params)


def executemany(raw: sqlite3.Connection, sql: str, rows: Any) -> sqlite3.Cursor:
    """Run one statement for many parameter rows."""
    return raw.executemany(sql, rows)


def driver_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the driver raises for database errors."""
    return (sqlite3.Error,)
