"""Writing config files: DataJoint 2.x's ``save_template`` and DataJoint 0.14's ``save``.

Used by the Config object; reads nothing but the settings table. Templates are
written in DataJoint 2.x's nested layout; ``save`` writes dotted keys, which both
DataJoint 0.14 and 2.x (and joinery) can read back.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .keys import BY_KEY, URL_KEY
from .sources import SECRETS_DIRNAME

logger = logging.getLogger("joinery")

_MINIMAL_KEYS = ("database.backend", "database.host", "database.port", "database.path")
# credentials belong in .secrets/ or the environment; the others are internal switches
_NOT_IN_TEMPLATE = {"database.user", "database.password", URL_KEY, "ignore_config_file", "custom"}


def write_settings(path: Path, values: dict[str, Any]) -> Path:
    """Write ``values`` (dotted keys) as JSON to ``path`` and return its absolute path."""
    path.write_text(json.dumps(values, indent=4, default=str) + "\n")
    return path.absolute()


def write_template(path: Path, *, minimal: bool = True, create_secrets_dir: bool = True) -> Path:
    """Write a starting config file in DataJoint 2.x's nested layout; refuse to overwrite.

    With ``create_secrets_dir``, also make ``.secrets/`` beside it holding placeholder
    ``database.user`` and ``database.password`` files and a ``.gitignore`` for them.
    """
    if path.exists():
        raise FileExistsError(f"File already exists: {path}. Remove it first or choose a different path.")
    keys = _MINIMAL_KEYS if minimal else [k for k in BY_KEY if k not in _NOT_IN_TEMPLATE]
    nested: dict[str, Any] = {}
    for key in keys:
        group, _, name = key.rpartition(".")
        target = nested.setdefault(group, {}) if group else nested
        target[name] = BY_KEY[key].default
    path.write_text(json.dumps(nested, indent=2, default=str) + "\n")
    logger.info("Created template configuration at %s", path.absolute())
    if create_secrets_dir:
        _write_secrets_dir(path.parent / SECRETS_DIRNAME)
    return path.absolute()


def _write_secrets_dir(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, placeholder in (("database.user", "your_username"), ("database.password", "your_password")):
        if not (folder / name).exists():
            (folder / name).write_text(placeholder)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Never commit secrets\n*\n!.gitignore\n")
