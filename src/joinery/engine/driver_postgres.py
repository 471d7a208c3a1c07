"""The PostgreSQL driver (psycopg 3).

The connection runs in autocommit mode: joinery issues ``BEGIN``/``COMMIT``
itself. numpy scalars are taught to psycopg once; ``json``/``jsonb`` columns are
read as text, so that joinery's decoders see the same stored form as on the
other backends. Rows holding large ``bytea`` values are read in the binary
result format (:func:`execute_binary`), where loaders from
:mod:`.postgres_binary` keep every value as the text format reads it.
"""

from __future__ import annotations

import datetime
import operator
from typing import Any

import numpy as np

from .. import errors
from .numpy_scalars import FLOATS, INTEGERS
from .postgres_binary import register_binary_loaders

_adapted = False


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise errors.DataJointError(
            "The postgresql backend needs psycopg 3: pip install 'joinery[postgres]'."
        ) from None
    return psycopg


def _adapt_numpy(psycopg: Any) -> None:
    """Let psycopg send numpy scalars as the matching PostgreSQL numbers (once per process)."""
    global _adapted
    if _adapted:
        return
    from psycopg.types.numeric import FloatDumper, IntDumper

    class NumpyIntDumper(IntDumper):
        def dump(self, obj: Any) -> Any:
            return super().dump(operator.index(obj))

    class NumpyFloatDumper(FloatDumper):
        def dump(self, obj: Any) -> Any:
            return super().dump(float(obj))

    for np_type in INTEGERS:
        psycopg.adapters.register_dumper(np_type, NumpyIntDumper)
    for float_type in FLOATS:
        psycopg.adapters.register_dumper(float_type, NumpyFloatDumper)
    psycopg.adapters.register_dumper(np.bool_, _bool_dumper(psycopg))
    psycopg.adapters.register_dumper(np.str_, psycopg.types.string.StrDumper)
    _adapted = True


def _bool_dumper(psycopg: Any) -> Any:
    from psycopg.types.bool import BoolDumper

    class NumpyBoolDumper(BoolDumper):
        def dump(self, obj: Any) -> Any:
            return super().dump(bool(obj))

    return NumpyBoolDumper


def open_connection(settings: dict[str, Any]) -> Any:
    """A psycopg connection for resolved ``settings``; a clear error names the server if it is unreachable."""
    psycopg = _driver()
    _adapt_numpy(psycopg)
    options = {
        "host": settings["host"],
        "port": settings["port"],
        "user": settings["user"] or None,
        "password": settings["password"] or None,
        "dbname": settings["database"] or "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    if settings.get("use_tls") is False:
        options["sslmode"] = "disable"
    try:
        raw = psycopg.connect(**{k: v for k, v in options.items() if v is not None})
    except psycopg.OperationalError as error:
        raise errors.LostConnectionError(
            f"Cannot connect to PostgreSQL at {settings['host']}:{settings['port']} as user "
            f"{settings['user']!r}: {str(error).strip()}. Check database.host, database.port, database.user "
            "and database.password, and that the server is running."
        ) from None
    from psycopg.types.string import TextLoader

    for json_type in ("json", "jsonb"):
        raw.adapters.register_loader(json_type, TextLoader)
    register_binary_loaders(raw)
    # CURRENT_TIMESTAMP defaults record this machine's local time, as on SQLite
    raw.execute(f"SET TIME ZONE INTERVAL '{local_utc_offset()}' HOUR TO MINUTE")
    return raw


def local_utc_offset() -> str:
    """This machine's offset from UTC now, as ``+HH:MM``."""
    offset = datetime.datetime.now().astimezone().strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def is_lost_connection(error: BaseException) -> bool:
    """True for errors that mean the server connection is gone (restart, network)."""
    psycopg = _driver()
    if isinstance(error, psycopg.errors.PipelineAborted):  # a statement skipped after another's error
        return False
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return error.sqlstate is None or error.sqlstate.startswith(("08", "57P"))
    return False


def execute(raw: Any, sql: str, params: Any) -> Any:
    """Run one statement; returns the cursor."""
    return raw.execute(sql, params)


def execute_binary(raw: Any, sql: str, params: Any) -> Any:
    """Run one statement with its rows in the binary format; returns the cursor.

    The text format sends ``bytea`` hex-encoded (twice the bytes, and a hex
    decode per value): rows of large values read 3-4x faster in binary.
    Parameters are sent as :func:`execute` sends them.
    """
    return raw.execute(sql, params, binary=True)


def pipeline(raw: Any) -> Any:
    """psycopg's pipeline mode: statements are sent at once and their results read when the block ends.

    ``COPY`` cannot run inside it; a fetch inside it waits for the results so far.
    """
    return raw.pipeline()


def executemany(raw: Any, sql: str, rows: Any) -> Any:
    """Run one statement for many parameter rows (psycopg pipelines them); a ``COPY`` streams them."""
    cursor = raw.cursor()
    if sql.startswith("COPY "):
        copy_rows(cursor, sql, rows)
    else:
        cursor.executemany(sql, rows)
    return cursor


def copy_rows(cursor: Any, sql: str, rows: Any) -> None:
    """Stream ``rows`` through ``COPY ... FROM STDIN``: several times faster than INSERTs for many rows.

    psycopg formats each row in C; the server parses the text as the columns' types.
    """
    with cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def driver_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the driver raises for database errors."""
    return (_driver().Error,)
