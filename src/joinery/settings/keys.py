"""The table of known settings: dotted key, default, value check, environment variable.

Bottom of the settings package: everything else (sources, the Config object, the
connection helper) reads this table, and this module reads nothing but the error
classes. Keys, defaults and environment variable names follow DataJoint 2.x; a few
DataJoint 0.14 keys are kept so that old pipelines still run, and the keys joinery
adds are marked "ours".
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joinery.errors import DataJointError


class UnknownSettingError(DataJointError, KeyError):
    """A key that is not a setting was read or written (a ``KeyError``, as in DataJoint)."""

    def __str__(self) -> str:
        # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class InvalidSettingError(DataJointError, ValueError):
    """A setting was given a value of the wrong type or outside its choices."""


Check = Callable[[Any], Any]

_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f"}


def boolean(value: Any) -> bool:
    """Accept True/False, 0/1 and the usual spellings in strings (environment values)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def integer(low: int | None = None, high: int | None = None) -> Check:
    """Make a check for a whole number in [low, high]; digit strings are accepted."""

    def check(value: Any) -> int:
        number = _whole_number(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"expected a whole number between {low} and {high}")
        return number

    return check


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ValueError("expected a whole number")


def positive_number(value: Any) -> float:
    """Accept a number of seconds greater than zero."""
    if isinstance(value, bool):
        raise ValueError("expected a positive number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a positive number") from None
    if not number > 0:
        raise ValueError("expected a positive number")
    return number


def non_negative_number(value: Any) -> float:
    """Accept a number of seconds, zero or more."""
    if isinstance(value, bool):
        raise ValueError("expected a number of seconds, zero or more")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number of seconds, zero or more") from None
    if not number >= 0:
        raise ValueError("expected a number of seconds, zero or more")
    return number


def text(value: Any) -> str:
    """Accept a string (paths are turned into strings)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def optional(check: Check) -> Check:
    """Make a check that also accepts None."""
    return lambda value: None if value is None else check(value)


def one_of(*choices: str, aliases: dict[str, str] | None = None, fold: Callable = str) -> Check:
    """Make a check for one of a few strings (``fold`` normalizes case, aliases map old names)."""
    aliases = aliases or {}

    def check(value: Any) -> str:
        if isinstance(value, str):
            value = fold(value.strip())
            value = aliases.get(value, value)
            if value in choices:
                return value
        raise ValueError("expected one of " + ", ".join(repr(c) for c in choices))

    return check


def mapping(value: Any) -> dict:
    """Accept a JSON-serializable dict, or a JSON object in a string (environment values)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"expected a JSON object ({error})") from None
    if not isinstance(value, dict):
        raise ValueError("expected a dict")
    try:
        json.dumps(value, default=str)
    except (TypeError, ValueError) as error:
        raise ValueError(f"expected JSON-serializable content ({error})") from None
    return value


def stores_mapping(value: Any) -> dict:
    """Accept ``{'default': name, 'filepath_default': name, name: {protocol: ..., ...}}``."""
    value = mapping(value)
    for name, spec in value.items():
        wanted = str if name in ("default", "filepath_default") else dict
        if not isinstance(spec, wanted):
            raise ValueError(f"expected stores[{name!r}] to be a {wanted.__name__}")
    return value


def path_or_none(value: Any) -> Path | None:
    """Accept a path or None (DataJoint keeps ``query_cache`` as a Path)."""
    return None if value is None else Path(text(value))


@dataclass(frozen=True)
class Setting:
    """One setting: its dotted key, default, check, and environment variable (if any)."""

    key: str
    default: Any
    check: Check
    env: str | None = None


_LOGLEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
BACKENDS = ("sqlite", "postgresql", "mysql")
_BACKEND_ALIASES = {"postgres": "postgresql", "mariadb": "mysql"}
URL_KEY = "database.url"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database.backend",
        "sqlite",
        one_of(*BACKENDS, aliases=_BACKEND_ALIASES, fold=str.lower),
        "DJ_BACKEND",
    ),
    Setting("database.host", "localhost", text, "DJ_HOST"),
    Setting("database.port", None, optional(integer(1, 65535)), "DJ_PORT"),
    Setting("database.user", None, optional(text), "DJ_USER"),
    Setting("database.password", None, optional(text), "DJ_PASS"),
    Setting("database.name", None, optional(text), "DJ_DATABASE_NAME"),
    Setting("database.database_prefix", "", text, "DJ_DATABASE_PREFIX"),
    Setting("database.create_tables", True, boolean, "DJ_CREATE_TABLES"),
    Setting("database.reconnect", True, boolean, "DJ_RECONNECT"),
    Setting("database.use_tls", None, optional(boolean), "DJ_USE_TLS"),
    Setting("database.path", "joinery.db", text, "DJ_DATABASE_PATH"),  # ours: the SQLite file
    Setting(URL_KEY, None, optional(text), "DJ_DATABASE_URL"),  # ours: expands into the keys above
    Setting("connection.charset", "", text),
    Setting("connection.init_function", None, optional(text)),  # DataJoint 0.14
    Setting("display.limit", 12, integer(0)),
    Setting("display.width", 14, integer(1)),
    Setting("display.show_tuple_count", True, boolean),
    Setting("display.diagram_direction", "LR", one_of("TB", "LR", fold=str.upper), "DJ_DIAGRAM_DIRECTION"),
    Setting(
        "display.diagram_theme", "auto", one_of("light", "dark", "auto", fold=str.lower), "DJ_DIAGRAM_THEME"
    ),
    Setting("jobs.auto_refresh", True, boolean, "DJ_JOBS_AUTO_REFRESH"),
    Setting("jobs.keep_completed", False, boolean, "DJ_JOBS_KEEP_COMPLETED"),
    Setting("jobs.stale_timeout", 3600, integer(0), "DJ_JOBS_STALE_TIMEOUT"),
    Setting("jobs.default_priority", 5, integer(0, 255), "DJ_JOBS_DEFAULT_PRIORITY"),
    Setting("jobs.version_method", None, optional(one_of("git", "none")), "DJ_JOBS_VERSION_METHOD"),
    Setting(
        "jobs.allow_new_pk_fields_in_computed_tables",
        False,
        boolean,
        "DJ_JOBS_ALLOW_NEW_PK_FIELDS_IN_COMPUTED_TABLES",
    ),
    Setting("jobs.add_job_metadata", False, boolean, "DJ_JOBS_ADD_JOB_METADATA"),
    Setting("jobs.heartbeat_interval", 60.0, positive_number, "DJ_JOBS_HEARTBEAT_INTERVAL"),  # ours
    # ours: seconds without a heartbeat before populate re-pends a reservation (None: 5 heartbeat intervals)
    Setting("jobs.orphan_timeout", None, optional(positive_number), "DJ_JOBS_ORPHAN_TIMEOUT"),
    # ours: seconds before the second attempt of a transient failure, doubled for each further one
    Setting("jobs.retry_delay", 1.0, non_negative_number, "DJ_JOBS_RETRY_DELAY"),
    # ours: True makes each key's commit in populate wait for the server's disk; False (PostgreSQL) lets it
    # return sooner and makes the populate's commits durable together when populate ends
    Setting("populate.synchronous_commit", False, boolean, "JOINERY_POPULATE_SYNCHRONOUS_COMMIT"),
    Setting("provenance.capture", False, boolean, "DJ_PROVENANCE_CAPTURE"),
    Setting("provenance.source", {}, mapping, "DJ_PROVENANCE_SOURCE"),
    Setting("stores", {}, stores_mapping, "DJ_STORES"),
    Setting("loglevel", "INFO", one_of(*_LOGLEVELS, fold=str.upper), "DJ_LOG_LEVEL"),
    Setting("safemode", True, boolean, "DJ_SAFEMODE"),
    Setting("ignore_config_file", False, boolean, "DJ_IGNORE_CONFIG_FILE"),
    Setting("query_cache", None, path_or_none, "DJ_QUERY_CACHE"),
    Setting("download_path", ".", text, "DJ_DOWNLOAD_PATH"),
    # DataJoint 0.14 keys, kept so that old pipelines can still set and read them
    Setting("cache", None, optional(text)),
    Setting("fetch_format", "array", one_of("array", "frame")),
    Setting("enable_python_native_blobs", True, boolean),
    Setting("add_hidden_timestamp", False, boolean),
    Setting("filepath_checksum_size_limit", None, optional(integer(0))),
    Setting("custom", {}, mapping),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
GROUPS: frozenset[str] = frozenset(k.split(".")[0] for k in BY_KEY if "." in k)
DICT_KEYS: frozenset[str] = frozenset(k for k, s in BY_KEY.items() if isinstance(s.default, dict))
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def validate(key: str, value: Any, source: str = "") -> Any:
    """Check ``value`` for setting ``key`` and return it normalized; ``source`` names where it came from."""
    try:
        return BY_KEY[key].check(value)
    except ValueError as error:
        where = f" (from {source})" if source else ""
        raise InvalidSettingError(f"Invalid value {value!r} for setting '{key}'{where}: {error}.") from None


def unknown(key: str, candidates: Iterable[str] = BY_KEY) -> UnknownSettingError:
    """Build the error for an unknown key, suggesting keys that share its last part."""
    tail = key.rsplit(".", 1)[-1]
    near = sorted(k for k in candidates if k.rsplit(".", 1)[-1] == tail and k != key)
    hint = f" Did you mean {', '.join(repr(k) for k in near)}?" if near else ""
    return UnknownSettingError(f"Setting '{key}' not found.{hint} Known settings: dj.config.keys().")
