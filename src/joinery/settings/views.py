"""Read-only helpers for showing settings: group views (``config.database``) and secret masking.

Used by the Config object only; it knows nothing of layers. ``Group`` is what
``config.database`` returns, so that ``config.database.host`` reads and writes the
dotted key ``database.host`` as in DataJoint 2.x.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .keys import BY_KEY

_HIDDEN = {"password", "secret_key", "account_key", "connection_string", "token"}


def masked(key: str, value: Any) -> Any:
    """Return ``value`` with passwords and store secrets replaced by '***' (for repr only)."""
    if value is not None and key.rsplit(".", 1)[-1] in _HIDDEN:
        return "***"
    if isinstance(value, dict):
        return {k: masked(str(k), v) for k, v in value.items()}
    return value


class Group:
    """A view on one group of settings, e.g. ``config.database`` (``.host``, ``['host']``)."""

    def __init__(self, config: Any, prefix: str) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        key = f"{self._prefix}.{name}"
        if name.startswith("_") or key not in BY_KEY:
            raise AttributeError(f"dj.config.{self._prefix} has no setting '{name}'")
        return self._config[key]

    def __setattr__(self, name: str, value: Any) -> None:
        self._config[f"{self._prefix}.{name}"] = value

    def __getitem__(self, name: str) -> Any:
        return self._config[f"{self._prefix}.{name}"]

    def __setitem__(self, name: str, value: Any) -> None:
        self._config[f"{self._prefix}.{name}"] = value

    def keys(self) -> list[str]:
        """Return the group's setting names without the group prefix."""
        start = len(self._prefix) + 1
        return [k[start:] for k in self._config if k.startswith(self._prefix + ".")]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        return name in self.keys()

    def to_dict(self) -> dict[str, Any]:
        """Return the group's settings as a plain dict."""
        return {name: self[name] for name in self.keys()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Group):
            return self.to_dict() == other.to_dict()
        return isinstance(other, Mapping) and self.to_dict() == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={masked(k, v)!r}" for k, v in self.to_dict().items())
        return f"{self._prefix.capitalize()}Settings({items})"
