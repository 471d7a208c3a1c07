"""Where settings come from: the config file(s), the environment, the secrets directory.

Below the Config object and above the settings table: each function here reads one
source and returns a flat dict of checked values by dotted key, so that the Config
only has to stack these layers (defaults < secrets < file < environment < runtime).

Files and names follow DataJoint 2.x: ``datajoint.json`` is searched for from the
working directory upward, stopping at a ``.git`` or ``.hg`` folder; secrets are one
file per setting in ``.secrets/`` next to it, or in ``/run/secrets/datajoint``.
Ours: ``JOINERY_CONFIG`` names a file explicitly, and DataJoint 0.14's
``dj_local_conf.json`` in the working directory is read under ``datajoint.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joinery.errors import DataJointError

from .database import parse_database_url
from .keys import BY_KEY, GROUPS, URL_KEY, validate

CONFIG_FILENAME = "datajoint.json"
LEGACY_FILENAME = "dj_local_conf.json"
CONFIG_ENV = "JOINERY_CONFIG"
SECRETS_DIRNAME = ".secrets"
SYSTEM_SECRETS_DIR = Path("/run/secrets/datajoint")

logger = logging.getLogger("joinery")


def find_config_file(start: Path | None = None) -> Path | None:
    """Find ``datajoint.json`` in ``start`` (default: the working directory) or a parent.

    The search stops at the first folder holding ``.git`` or ``.hg`` (the project root)
    and at the filesystem root.
    """
    folder = (start or Path.cwd()).resolve()
    while True:
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists() or (folder / ".hg").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def config_files(cwd: Path, environ: Mapping[str, str]) -> list[Path]:
    """List the files to read, lowest precedence first."""
    explicit = environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            path = cwd / path
        if not path.is_file():
            raise DataJointError(
                f"{CONFIG_ENV} names {path}, which is not a file. Fix or unset {CONFIG_ENV}."
            )
        return [path]
    legacy = cwd / LEGACY_FILENAME
    found = find_config_file(cwd)
    return [p for p in (legacy if legacy.is_file() else None, found) if p is not None]


def read_config_file(path: Path) -> dict[str, Any]:
    """Read one JSON config file (nested or dotted keys) into checked values by dotted key."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataJointError(f"Cannot read config file {path}: {error}. Fix or remove the file.") from None
    if not isinstance(data, dict):
        raise DataJointError(f"Config file {path} must hold a JSON object, not {type(data).__name__}.")
    flat: dict[str, Any] = {}
    _flatten(data, "", flat, path)
    return checked(flat, f"config file {path}")


def _flatten(data: Mapping[str, Any], prefix: str, out: dict[str, Any], path: Path) -> None:
    for name, value in data.items():
        key = prefix + str(name)
        if key in BY_KEY:
            out[key] = value
        elif key in GROUPS and isinstance(value, Mapping):
            _flatten(value, key + ".", out, path)
        elif key.startswith("stores."):
            _put_store_entry(out, key, value, path)
        else:
            # DataJoint skips keys it does not know; say so, since it is usually a typo
            logger.warning("Ignoring unknown setting %r in config file %s", key, path)


def _put_store_entry(out: dict[str, Any], key: str, value: Any, path: Path) -> None:
    # Dotted store keys, e.g. "stores.main.location": DataJoint reads these in files
    parts = key.split(".")
    stores = out.setdefault("stores", {})
    if len(parts) == 2:
        stores[parts[1]] = value
    elif len(parts) == 3:
        stores.setdefault(parts[1], {})[parts[2]] = value
    else:
        logger.warning("Ignoring unknown setting %r in config file %s", key, path)


def checked(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check every value; ``database.url`` is expanded first so explicit keys beside it win."""
    result: dict[str, Any] = {}
    if values.get(URL_KEY):
        result.update(parse_database_url(validate(URL_KEY, values[URL_KEY], source)))
    for key, value in values.items():
        if key != URL_KEY:
            result[key] = validate(key, value, source)
    return result


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read the ``DJ_*`` variables of the settings table; empty variables count as unset."""
    result: dict[str, Any] = {}
    url = environ.get("DJ_DATABASE_URL")
    if url:
        result.update(parse_database_url(validate(URL_KEY, url, "environment variable DJ_DATABASE_URL")))
    for key, setting in BY_KEY.items():
        raw = environ.get(setting.env) if setting.env else None
        if raw and key != URL_KEY:
            result[key] = validate(key, raw, f"environment variable {setting.env}")
    return result


def find_secrets_dir(config_path: Path | None, system_dir: Path | None = SYSTEM_SECRETS_DIR) -> Path | None:
    """Return ``.secrets/`` beside the config file if it exists, else the system secrets folder."""
    if config_path is not None and (config_path.parent / SECRETS_DIRNAME).is_dir():
        return config_path.parent / SECRETS_DIRNAME
    if system_dir is not None and system_dir.is_dir():
        return system_dir
    return None


def read_secrets(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Read ``database.user``, ``database.password`` and ``stores.<name>.<attr>`` files.

    Returns the database values, and the store attributes by store name (these only
    fill attributes the configured stores lack).
    """
    database: dict[str, Any] = {}
    stores: dict[str, dict[str, str]] = {}
    for item in sorted(folder.iterdir()):
        if not item.is_file() or item.name.startswith("."):
            continue
        parts = item.name.split(".")
        if item.name in ("database.user", "database.password"):
            database[item.name] = item.read_text().strip()
        elif len(parts) == 3 and parts[0] == "stores":
            stores.setdefault(parts[1], {})[parts[2]] = item.read_text().strip()
    return database, stores


def fill_store_secrets(stores: dict[str, Any], secrets: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Return a copy of ``stores`` with secret attributes added where they are missing."""
    filled = {name: dict(spec) if isinstance(spec, dict) else spec for name, spec in stores.items()}
    for name, attributes in secrets.items():
        spec = filled.setdefault(name, {})
        if isinstance(spec, dict):
            for attribute, value in attributes.items():
                spec.setdefault(attribute, value)
    return filled
