"""``dj.conn()``: the shared connection, opened from ``dj.config`` on first use.

The connection is keyed by its settings: after ``dj.config['database.path']``
(or the host, ...) changes, the next ``conn()`` opens a connection to the new
target instead of silently reusing the old one.
"""

from __future__ import annotations

from typing import Any

from .engine import Connection
from .settings import config, connection_settings

_shared: dict[str, Connection] = {}


def conn(
    host: str | None = None,
    user: str | None = None,
    password: str | None = None,
    *,
    reset: bool = False,
    backend: str | None = None,
) -> Connection:
    """The shared connection for the current configuration (``reset=True`` reconnects)."""
    overrides = {
        "database.host": host,
        "database.user": user,
        "database.password": password,
        "database.backend": backend,
    }
    for key, value in overrides.items():
        if value is not None:
            config[key] = value
    settings = connection_settings(config)
    key = repr(sorted((k, str(v)) for k, v in settings.items() if k != "password"))
    connection = _shared.get("current")
    if reset or connection is None or _shared.get("key") != key:  # type: ignore[comparison-overlap]
        if reset and connection is not None:
            connection.close()
        connection = Connection(settings)
        _shared["current"] = connection
        _shared["key"] = key  # type: ignore[assignment]
    return connection


def _reset_for_tests() -> Any:
    """Close and forget the shared connection."""
    connection = _shared.pop("current", None)
    _shared.pop("key", None)
    if connection is not None:
        connection.close()
