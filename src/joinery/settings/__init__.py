"""joinery's configuration: ``dj.config``, with DataJoint 2.x's key names.

Bottom of the library beside ``errors``: nothing here imports the engine or the
query layers; the engine asks ``connection_settings(config)`` for what it needs
when it opens a connection. Values are layered, highest first: set at run time
(``config[key] = v``), environment (``DJ_*``), config file (``datajoint.json``,
or ``JOINERY_CONFIG``, or DataJoint 0.14's ``dj_local_conf.json``), secrets
directory, built-in defaults. Files are read on first use, not at import.

Modules: ``keys`` (the table of settings), ``sources`` (reading files, environment
and secrets), ``database`` (URLs, connection settings), ``stores`` (store specs),
``files`` (writing files), ``views`` (``config.database``), ``config`` (the object).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Config, Group
from .database import connection_settings, parse_database_url
from .keys import BY_KEY, SETTINGS, InvalidSettingError, Setting, UnknownSettingError
from .sources import (
    CONFIG_ENV,
    CONFIG_FILENAME,
    LEGACY_FILENAME,
    SECRETS_DIRNAME,
    SYSTEM_SECRETS_DIR,
    find_config_file,
)


def make_config(
    *,
    environ: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    system_secrets_dir: Path | None = None,
) -> Config:
    """Build a fresh, already loaded Config (for tests and tools), independent of ``dj.config``.

    ``environ`` defaults to ``os.environ``, ``cwd`` to the working directory; the
    system secrets folder is not read unless given.

    >>> make_config(environ={"DJ_HOST": "db.lab"}, cwd="/")["database.host"]
    'db.lab'
    """
    fresh = Config(environ=environ, cwd=cwd, system_secrets_dir=system_secrets_dir)
    fresh.reload()
    return fresh


def defaults() -> dict[str, Any]:
    """Return the built-in default of every setting, by dotted key."""
    return {key: setting.default for key, setting in BY_KEY.items()}


#: The process-wide settings that ``dj.config`` exposes.
config = Config(manage_logger=True)

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILENAME",
    "LEGACY_FILENAME",
    "SECRETS_DIRNAME",
    "SETTINGS",
    "SYSTEM_SECRETS_DIR",
    "Config",
    "Group",
    "InvalidSettingError",
    "Setting",
    "UnknownSettingError",
    "config",
    "connection_settings",
    "defaults",
    "find_config_file",
    "make_config",
    "parse_database_url",
]
