"""Database URLs and the resolved connection settings the engine opens a connection with.

Sits between the settings table (``keys``) and the engine: ``database.url`` (ours) is
expanded here into DataJoint's separate keys, and ``connection_settings`` turns the
configured keys into one plain dict (backend default port, absolute SQLite path,
PostgreSQL database name) so that the engine needs no knowledge of config layering.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .keys import _BACKEND_ALIASES, BACKENDS, DEFAULT_PORTS, InvalidSettingError, boolean

_TLS_BY_SSLMODE = {"disable": False, "allow": None, "prefer": None, "require": True}
_TLS_BY_SSLMODE.update({"verify-ca": True, "verify-full": True})
MEMORY = ":memory:"


def _url_backend(scheme: str, url: str) -> str:
    # "postgresql+psycopg" and "mysql+pymysql" are common spellings (SQLAlchemy style)
    name = scheme.split("+", 1)[0].lower()
    name = _BACKEND_ALIASES.get(name, name)
    if name not in BACKENDS:
        raise InvalidSettingError(
            f"Invalid database URL {_hide_password(url)!r}: the scheme must be one of "
            "sqlite://, postgresql:// (or postgres://), mysql://."
        )
    return name


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def parse_database_url(url: str) -> dict[str, Any]:
    """Split a database URL into dotted settings; only the parts present in the URL appear.

    >>> parse_database_url("postgresql://ann:pw@db.lab:5433/pipeline")["database.port"]
    5433
    >>> parse_database_url("sqlite:///data/lab.db")
    {'database.backend': 'sqlite', 'database.path': 'data/lab.db'}
    """
    parts = urlsplit(url.strip())
    backend = _url_backend(parts.scheme, url)
    if backend == "sqlite":
        # sqlite:///relative.db has path "/relative.db"; sqlite:////abs.db has "//abs.db"
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        return {"database.backend": "sqlite", "database.path": path or MEMORY}
    try:
        port = parts.port
    except ValueError:
        raise InvalidSettingError(
            f"Invalid database URL {_hide_password(url)!r}: the port must be a number."
        ) from None
    found = {
        "database.backend": backend,
        "database.host": unquote(parts.hostname) if parts.hostname else None,
        "database.port": port,
        "database.user": unquote(parts.username) if parts.username else None,
        "database.password": unquote(parts.password) if parts.password is not None else None,
        "database.name": unquote(parts.path.strip("/")) or None,
        "database.use_tls": _tls_from_query(parts.query, url),
    }
    return {key: value for key, value in found.items() if value is not None}


def _tls_from_query(query: str, url: str) -> bool | None:
    params = {k.lower(): v[-1] for k, v in parse_qs(query).items()}
    if "sslmode" in params:
        return _TLS_BY_SSLMODE.get(params["sslmode"].lower())
    for name in ("use_tls", "ssl", "tls"):
        if name in params:
            try:
                return boolean(params[name])
            except ValueError:
                raise InvalidSettingError(
                    f"Invalid database URL {_hide_password(url)!r}: {name}= must be true or false."
                ) from None
    return None


def compose_database_url(values: Mapping[str, Any]) -> str:
    """Write the configured connection as a URL, without the password (for display)."""
    backend = values["database.backend"]
    if backend == "sqlite":
        return "sqlite:///" + str(values["database.path"])
    user = values.get("database.user")
    login = f"{quote(user, safe='')}@" if user else ""
    port = values.get("database.port") or DEFAULT_PORTS[backend]
    name = values.get("database.name") or ""
    return f"{backend}://{login}{values['database.host']}:{port}/{name}"


def resolve_sqlite_path(path: str) -> str:
    """Return the absolute SQLite file path (relative paths are taken from the working directory)."""
    if path == MEMORY or path.startswith("file:"):
        return path
    return str(Path(path).expanduser().resolve())


def connection_settings(config: Any = None) -> dict[str, Any]:
    """Resolve what the engine needs to open a connection, from a config (default: ``dj.config``).

    Returns a dict with keys backend, host, port, user, password, path, database,
    use_tls, reconnect, charset. For SQLite, path is absolute and the server fields
    are None; for servers, path is None, the port falls back to the backend's
    default, a "host:port" host is split, and PostgreSQL's database defaults to
    "postgres" as in DataJoint.
    """
    if config is None:
        from . import config as global_config

        config = global_config
    backend = config["database.backend"]
    result: dict[str, Any] = {
        "backend": backend,
        "use_tls": config["database.use_tls"],
        "reconnect": config["database.reconnect"],
        "charset": config["connection.charset"],
    }
    if backend == "sqlite":
        none = dict.fromkeys(("host", "port", "user", "password", "database"))
        return {**result, **none, "path": resolve_sqlite_path(config["database.path"])}
    host, port = _split_host_port(config["database.host"], config["database.port"])
    name = config["database.name"]
    if backend == "postgresql" and not name:
        name = "postgres"
    return {
        **result,
        "host": host,
        "port": port or DEFAULT_PORTS[backend],
        "user": config["database.user"],
        "password": config["database.password"],
        "path": None,
        "database": name,
    }


def _split_host_port(host: str, port: int | None) -> tuple[str, int | None]:
    # DataJoint lets "host:port" in database.host override database.port
    if host.count(":") != 1:
        return host, port
    name, _, given = host.partition(":")
    if not given.isdigit():
        raise InvalidSettingError(
            f"Invalid database.host {host!r}: the part after ':' must be a port number."
        )
    return name, int(given)
