"""The Config object behind ``dj.config``: layered values read by dotted key or attribute.

Top of the settings package. It stacks the layers the sources produce -- defaults <
secrets < config file < environment < values set at run time -- and answers each
key from the highest layer that has it. Sources are read on first use, not at
import, so tests and scripts can set the environment or change folder before that;
``reload()`` reads them again.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import sources
from .database import compose_database_url, parse_database_url
from .files import write_settings, write_template
from .keys import BY_KEY, DEFAULT_PORTS, DICT_KEYS, GROUPS, URL_KEY, InvalidSettingError, unknown, validate
from .stores import store_spec
from .views import Group, masked

LAYERS = ("secrets", "file", "env", "runtime")
_MISSING = object()
_NOT_IN_URL = {"database.database_prefix", "database.create_tables", "database.reconnect"}
logger = logging.getLogger("joinery")


class Config:
    """joinery's settings, with DataJoint's key names: ``config['database.host']`` or ``config.database.host``.

    ``environ`` and ``cwd`` replace ``os.environ`` and the working directory (for
    tests); ``system_secrets_dir`` is DataJoint's ``/run/secrets/datajoint``.

    >>> cfg = Config(environ={}, cwd="/", system_secrets_dir=None)
    >>> cfg["display.limit"], cfg.database.backend
    (12, 'sqlite')
    >>> with cfg.override(safemode=False, database__host="db"):
    ...     cfg.safemode, cfg["database.host"]
    (False, 'db')
    >>> cfg.safemode
    True
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        system_secrets_dir: Path | None = sources.SYSTEM_SECRETS_DIR,
        manage_logger: bool = False,
    ) -> None:
        self._environ = environ
        self._cwd = cwd
        self._system_secrets_dir = system_secrets_dir
        self._manage_logger = manage_logger
        self._layers: dict[str, dict[str, Any]] = {name: {} for name in LAYERS}
        self._loaded = False
        self._lock = threading.RLock()
        self._config_path: Path | None = None
        self._secrets_dir: Path | None = None

    # -- reading the sources ------------------------------------------------------------

    def reload(self) -> None:
        """Read the config file(s), secrets and environment again; forget values set at run time."""
        with self._lock:
            environ = os.environ if self._environ is None else self._environ
            cwd = Path.cwd() if self._cwd is None else Path(self._cwd)
            env = sources.read_environment(environ)
            layers: dict[str, dict[str, Any]] = {"secrets": {}, "file": {}, "env": env, "runtime": {}}
            self._config_path = self._secrets_dir = None
            if not env.get("ignore_config_file", False):
                self._read_files(layers, cwd, environ)
            self._layers = layers
            self._loaded = True
            self._sync_logger()

    def _read_files(self, layers: dict[str, dict[str, Any]], cwd: Path, environ: Mapping[str, str]) -> None:
        paths = sources.config_files(cwd, environ)
        for path in paths:
            values = sources.read_config_file(path)
            if "stores" in values and "stores" in layers["file"]:
                values["stores"] = {**layers["file"]["stores"], **values["stores"]}
            layers["file"].update(values)
        self._config_path = paths[-1] if paths else None
        self._secrets_dir = sources.find_secrets_dir(self._config_path, self._system_secrets_dir)
        if self._secrets_dir is None:
            return
        database, store_secrets = sources.read_secrets(self._secrets_dir)
        layers["secrets"] = sources.checked(database, f"secrets directory {self._secrets_dir}")
        if store_secrets:
            # secrets fill in whichever stores dict ended up winning
            owner = next((layers[n] for n in ("env", "file") if "stores" in layers[n]), layers["secrets"])
            owner["stores"] = sources.fill_store_secrets(owner.get("stores", {}), store_secrets)

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self.reload()

    def load(self, filename: str | os.PathLike) -> None:
        """Read settings from a JSON file on top of the current file values (environment still wins)."""
        self._ensure_loaded()
        path = Path(filename)
        if not path.is_file():
            raise FileNotFoundError(f"Config file not found: {path}")
        values = sources.read_config_file(path)
        with self._lock:
            self._layers["file"].update(values)
            for key in values:  # so that the file's values show, as in DataJoint
                self._layers["runtime"].pop(key, None)
            self._config_path = path
            self._sync_logger()

    def _sync_logger(self) -> None:
        if self._manage_logger:
            logger.setLevel(self._raw("loglevel"))

    # -- lookups ------------------------------------------------------------------------

    def _raw(self, key: str) -> Any:
        for name in reversed(LAYERS):
            if key in self._layers[name]:
                return self._layers[name][key]
        return BY_KEY[key].default

    def source_of(self, key: str) -> str:
        """Tell which layer a setting's value comes from: runtime, env, file, secrets or default."""
        self._ensure_loaded()
        if key not in BY_KEY:
            raise unknown(key)
        return next((name for name in reversed(LAYERS) if key in self._layers[name]), "default")

    def _peek(self, key: str) -> Any:
        # The value as users see it, without copying dicts into the runtime layer
        if key == URL_KEY:
            return compose_database_url({k: self._raw(k) for k in BY_KEY if k.startswith("database.")})
        value = self._raw(key)
        if key == "database.port" and value is None:
            return DEFAULT_PORTS.get(self._raw("database.backend"))
        return value

    def __getitem__(self, key: str) -> Any:
        self._ensure_loaded()
        if key in DICT_KEYS:
            with self._lock:
                runtime = self._layers["runtime"]
                if key not in runtime:
                    # so that config['stores'][name] = {...} changes the config, as users expect
                    runtime[key] = copy.deepcopy(self._raw(key))
                return runtime[key]
        if key in BY_KEY:
            return self._peek(key)
        if key in GROUPS:
            return Group(self, key)
        head, rest = self._split_nested(key)
        value = self[head]
        for part in rest:
            if not isinstance(value, Mapping) or part not in value:
                raise unknown(key)
            value = value[part]
        return value

    @staticmethod
    def _split_nested(key: str) -> tuple[str, list[str]]:
        # "stores.main.location" -> ("stores", ["main", "location"])
        for head in DICT_KEYS:
            if key.startswith(head + "."):
                return head, key[len(head) + 1 :].split(".")
        raise unknown(key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a setting, or ``default`` when ``key`` is not a setting."""
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in BY_KEY or key in GROUPS:
            return True
        try:
            head, rest = self._split_nested(key)
        except KeyError:
            return False
        self._ensure_loaded()
        value = self._raw(head)
        for part in rest:
            if not isinstance(value, Mapping) or part not in value:
                return False
            value = value[part]
        return True

    def keys(self) -> list[str]:
        """Return every setting's dotted key (``database.url`` is write-only, so not listed)."""
        return [key for key in BY_KEY if key != URL_KEY]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def items(self) -> list[tuple[str, Any]]:
        """Return (dotted key, value) pairs."""
        self._ensure_loaded()
        return [(key, self._peek(key)) for key in self.keys()]

    def values(self) -> list[Any]:
        """Return every setting's value, in the order of ``keys()``."""
        return [value for _, value in self.items()]

    # -- writing ------------------------------------------------------------------------

    def _expand(self, key: str, value: Any) -> dict[str, Any]:
        """Check a value and turn it into the table keys it sets (a URL sets several)."""
        if key == URL_KEY:
            url = validate(URL_KEY, value)
            return parse_database_url(url) if url else {}
        if key in BY_KEY:
            return {key: copy.deepcopy(validate(key, value))}
        if key in GROUPS:
            if not isinstance(value, Mapping):
                raise InvalidSettingError(
                    f"'{key}' is a group of settings: give it a dict or set '{key}.<name>'."
                )
            expanded: dict[str, Any] = {}
            for name, item in value.items():
                expanded.update(self._expand(f"{key}.{name}", item))
            return expanded
        head, rest = self._split_nested(key)
        whole = copy.deepcopy(self._raw(head))
        target = whole
        for part in rest[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise unknown(key)
        target[rest[-1]] = copy.deepcopy(value)
        return {head: validate(head, whole)}

    def __setitem__(self, key: str, value: Any) -> None:
        self._ensure_loaded()
        with self._lock:
            self._layers["runtime"].update(self._expand(key, value))
            self._sync_logger()

    def update(self, other: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Set several settings by dotted key."""
        for key, value in {**(other or {}), **kwargs}.items():
            self[key] = value

    def __delitem__(self, key: str) -> None:
        """Forget the value set at run time, so the file, environment or default shows again."""
        self._ensure_loaded()
        if key not in BY_KEY and key not in GROUPS:
            head, rest = self._split_nested(key)
            parent = self[".".join([head, *rest[:-1]])]
            if not isinstance(parent, dict) or rest[-1] not in parent:
                raise unknown(key)
            del parent[rest[-1]]
            return
        names = [k for k in BY_KEY if k == key or k.startswith(key + ".")]
        if key == URL_KEY:
            names = [k for k in BY_KEY if k.startswith("database.") and k not in _NOT_IN_URL]
        with self._lock:
            for name in names:
                self._layers["runtime"].pop(name, None)
            self._sync_logger()

    @contextmanager
    def override(self, **kwargs: Any) -> Iterator[Config]:
        """Set settings inside a ``with`` block and restore them after it, even on error.

        Dotted keys are spelled with double underscores, as in DataJoint:
        ``override(safemode=False, database__host="db", display__limit=5)``.
        """
        self._ensure_loaded()
        runtime = self._layers["runtime"]
        backup: dict[str, Any] = {}
        try:
            for name, value in kwargs.items():
                expanded = self._expand(name.replace("__", "."), value)
                for key in expanded:
                    if key not in backup:
                        backup[key] = copy.deepcopy(runtime[key]) if key in runtime else _MISSING
                with self._lock:
                    runtime.update(expanded)
            self._sync_logger()
            yield self
        finally:
            with self._lock:
                for key, old in backup.items():
                    if old is _MISSING:
                        runtime.pop(key, None)
                    else:
                        runtime[key] = old
                self._sync_logger()

    # -- attribute access: config.safemode, config.database.host -------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in GROUPS or name in BY_KEY:
            return self[name]
        raise AttributeError(f"dj.config has no setting or group '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    # -- files ----------------------------------------------------------------------------

    def get_store_spec(
        self, store: str | None = None, *, use_filepath_default: bool = False
    ) -> dict[str, Any]:
        """Return one object store's checked spec, with DataJoint's defaults filled in."""
        self._ensure_loaded()
        return store_spec(self._raw("stores"), store, use_filepath_default=use_filepath_default)

    def save(self, filename: str | os.PathLike) -> Path:
        """Write the settings that differ from the defaults to a JSON file (dotted keys, as DataJoint 0.14)."""
        self._ensure_loaded()
        changed = {k: self._raw(k) for k in self.keys() if self._raw(k) != BY_KEY[k].default}
        return write_settings(Path(filename), changed)

    def save_local(self, verbose: bool = False) -> Path:
        """Write ``dj_local_conf.json`` in the working directory (DataJoint 0.14's spelling)."""
        folder = Path.cwd() if self._cwd is None else Path(self._cwd)
        path = self.save(folder / sources.LEGACY_FILENAME)
        if verbose:
            print(f"Saved settings to {path}")
        return path

    @staticmethod
    def save_template(
        path: str | os.PathLike = sources.CONFIG_FILENAME,
        minimal: bool = True,
        create_secrets_dir: bool = True,
    ) -> Path:
        """Write a starting ``datajoint.json`` (and a ``.secrets/`` folder for credentials); never overwrites."""
        return write_template(Path(path), minimal=minimal, create_secrets_dir=create_secrets_dir)

    # -- display ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        self._ensure_loaded()
        lines = []
        for key, value in self.items():
            source = self.source_of(key)
            note = "" if source == "default" else f"  # {source}"
            lines.append(f"  {key}: {masked(key, value)!r}{note}")
        return "Config(\n" + "\n".join(lines) + "\n)"
