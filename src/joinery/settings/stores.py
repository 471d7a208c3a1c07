"""Checked object-store specs from ``config['stores']`` (DataJoint's ``config.get_store_spec``).

Sits between the settings and ``joinery.stores``: it only reads the ``stores`` dict
and returns one store's spec with DataJoint's defaults filled in, so the store
backends receive complete, validated specs. ``config['stores']`` looks like::

    {"default": "main",                 # store used by <blob@>, <attach@>, <object@>
     "filepath_default": "raw",         # store used by <filepath@>
     "main": {"protocol": "file", "location": "/data/main"},
     "raw": {"protocol": "s3", "endpoint": "s3.example.org", "bucket": "lab",
             "location": "raw", "access_key": "...", "secret_key": "..."}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joinery.errors import DataJointError

_COMMON: tuple[str, ...] = (
    "protocol",
    "location",
    "subfolding",
    "partition_pattern",
    "token_length",
    "stage",
)
_COMMON += ("hash_prefix", "schema_prefix", "filepath_prefix")
_REQUIRED = {
    "file": ("protocol", "location"),
    "s3": ("protocol", "endpoint", "bucket", "location"),
    "gcs": ("protocol", "bucket", "location"),
    "azure": ("protocol", "container", "location"),
}
_EXTRA = {
    "file": (),
    "s3": ("endpoint", "bucket", "access_key", "secret_key", "secure", "proxy_server"),
    "gcs": ("bucket", "token", "project"),
    "azure": ("container", "account_name", "account_key", "connection_string"),
}
_DEFAULTS = {
    "subfolding": None,
    "partition_pattern": None,
    "token_length": 8,
    "hash_prefix": "_hash",
    "schema_prefix": "_schema",
    "filepath_prefix": None,
}


def store_spec(
    stores: Mapping[str, Any], store: str | None = None, *, use_filepath_default: bool = False
) -> dict[str, Any]:
    """Return the spec of ``store`` (default: ``stores.default``, or ``stores.filepath_default``).

    Raises DataJointError when the store is not configured, its protocol is unknown,
    a required key is missing, a key is not allowed, or its prefixes overlap.
    """
    name = store if store is not None else _default_name(stores, use_filepath_default)
    if name not in stores or not isinstance(stores[name], Mapping):
        raise DataJointError(f"Store '{name}' is requested but not configured in dj.config['stores'].")
    spec = {**_DEFAULTS, **stores[name]}
    protocol = str(spec.get("protocol", "")).lower()
    if protocol not in _REQUIRED:
        raise DataJointError(
            f"Unknown protocol {protocol!r} in dj.config['stores'][{name!r}]; use one of {', '.join(_REQUIRED)}."
        )
    spec["protocol"] = protocol
    if protocol == "s3":
        spec.setdefault("secure", True)
    missing = [key for key in _REQUIRED[protocol] if key not in spec]
    if missing:
        raise DataJointError(f"dj.config['stores'][{name!r}] is missing: {', '.join(missing)}.")
    invalid = [key for key in spec if key not in _COMMON + _EXTRA[protocol]]
    if invalid:
        raise DataJointError(f"Invalid key(s) in dj.config['stores'][{name!r}]: {', '.join(invalid)}.")
    _check_prefixes(name, spec)
    return spec


def _default_name(stores: Mapping[str, Any], use_filepath_default: bool) -> str:
    key = "filepath_default" if use_filepath_default else "default"
    if key not in stores:
        raise DataJointError(
            f"stores.{key} is not configured: set dj.config['stores']['{key}'] to a store name."
        )
    if not isinstance(stores[key], str):
        raise DataJointError(f"stores.{key} must be a store name (a string).")
    return stores[key]


def _check_prefixes(name: str, spec: Mapping[str, Any]) -> None:
    # The three sections of a store must not nest, or garbage collection of one
    # would see the other's objects.
    given = [(key, spec[key]) for key in ("hash_prefix", "schema_prefix", "filepath_prefix") if spec[key]]
    normalized = [(key, str(value).strip("/") + "/") for key, value in given]
    for i, (first, a) in enumerate(normalized):
        for second, b in normalized[i + 1 :]:
            if a.startswith(b) or b.startswith(a):
                raise DataJointError(
                    f"dj.config['stores'][{name!r}]: {first}={spec[first]!r} and {second}={spec[second]!r} "
                    "overlap; the prefixes must be distinct folders."
                )
