"""Core-type values in and out of the database: the adapters per attribute type.

``encoder(attribute)`` and ``decoder(attribute)`` return a function, or ``None``
when values pass through unchanged (the common, fast case: ints, floats,
strings). They are looked up once per column of an insert or a fetch, never
per value.

Encoders produce values every driver binds: ``uuid.UUID`` (each driver stores
it natively: 16 bytes on SQLite and MySQL, as DataJoint does, ``uuid`` on
PostgreSQL), ISO-8601 text for dates and times, exact text for ``decimal``,
JSON text for ``json``, Python ``bool`` for ``bool``. Decoders accept both a
stored text form (SQLite) and the driver's own Python value (the servers'
drivers return ``datetime``, ``Decimal``, ``UUID`` ... themselves).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DataTypeError
from ..query.heading import Attribute
from .base import get_codec
from .builtin import BlobCodec, ColumnBlobDecoder

Adapter = Callable[[Any], Any]


def _fail(attribute: Attribute, value: Any, expected: str) -> DataTypeError:
    return DataTypeError(
        f"Attribute `{attribute.name}` ({attribute.type.core}) cannot take {value!r} "
        f"of type {type(value).__name__}: expected {expected}."
    )


def _uuid_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> uuid.UUID:
        if isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(value if isinstance(value, str) else bytes(value).hex())
        except (ValueError, TypeError, AttributeError):
            raise _fail(attribute, value, "a UUID or its string form") from None

    return encode


def _bool_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)) or (
            isinstance(value, (int, np.integer, float, np.floating)) and value in (0, 1)
        ):
            return bool(value)
        raise _fail(attribute, value, "True, False, 1 or 0")

    return encode


def _json_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> str:
        try:
            return json.dumps(value, default=_json_default)
        except TypeError:
            raise _fail(attribute, value, "a JSON-serializable value") from None

    return encode


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError


def _is_missing_time(value: Any) -> bool:
    """pandas' NaT and numpy's NaT: a missing date, stored as NULL."""
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return isinstance(value, dt.date) and value != value  # NaT is not equal to itself


def _date_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> str | None:
        if _is_missing_time(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, np.datetime64):
            return str(value.astype("datetime64[D]"))
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise _fail(attribute, value, "a date or a 'YYYY-MM-DD' string")

    return encode


def _round_fraction(value: dt.datetime, digits: int) -> dt.datetime:
    """Round to ``digits`` decimals of a second, half up, as MySQL stores ``datetime(digits)``."""
    unit = 10 ** (6 - digits)
    steps = (value.microsecond + unit // 2) // unit
    return value.replace(microsecond=0) + dt.timedelta(microseconds=steps * unit)


def _datetime_in(attribute: Attribute) -> Adapter:
    digits = attribute.type.precision or 0

    def as_datetime(value: Any) -> dt.datetime:
        if isinstance(value, np.datetime64):
            value = value.astype("datetime64[us]").item()
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            if value.strip().upper() == "CURRENT_TIMESTAMP":
                return dt.datetime.now()
            try:
                return dt.datetime.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _fail(attribute, value, "a datetime or a 'YYYY-MM-DD HH:MM:SS' string")

    def encode(value: Any) -> str | None:
        if _is_missing_time(value):
            return None
        value = as_datetime(value)
        if value.microsecond:
            value = _round_fraction(value, digits)
        return value.isoformat(sep=" ")

    return encode


def _time_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> str:
        if isinstance(value, dt.timedelta):
            total = value.total_seconds()
            sign = "-" if total < 0 else ""
            total = abs(total)
            hours, rest = divmod(total, 3600)
            minutes, seconds = divmod(rest, 60)
            return f"{sign}{int(hours):02d}:{int(minutes):02d}:{seconds:09.6f}".rstrip("0").rstrip(".")
        if isinstance(value, dt.time):
            return value.isoformat()
        if isinstance(value, str):
            return value
        raise _fail(attribute, value, "a timedelta, a time or an 'HH:MM:SS' string")

    return encode


def _decimal_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> str:
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise _fail(attribute, value, "a number") from None
        if not number.is_finite():
            raise _fail(attribute, value, "a finite number")
        scale = attribute.type.scale or 0
        try:
            rounded = number.quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP)
        except decimal.InvalidOperation:
            raise _fail(attribute, value, f"a number that fits {attribute.type.core}") from None
        precision = attribute.type.precision
        if precision is not None and rounded.adjusted() >= precision - scale:
            raise _fail(attribute, value, f"at most {precision - scale} digits before the decimal point")
        if attribute.type.unsigned and rounded < 0:
            raise _fail(attribute, value, "a number >= 0")
        return str(rounded)

    return encode


def _bytes_in(attribute: Attribute) -> Adapter:
    def encode(value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, np.ndarray):
            return value.tobytes()
        raise _fail(attribute, value, "bytes")

    return encode


def _codec_in(attribute: Attribute) -> Adapter:
    codec = get_codec(attribute.type.codec or "")
    store = attribute.type.store

    def encode(value: Any) -> Any:
        codec.validate(value)
        return codec.encode(value, store_name=store)

    return encode


def _legacy_blob_in(attribute: Attribute) -> Adapter:
    return get_codec("blob").encode


_ENCODERS: dict[str, Callable[[Attribute], Adapter]] = {
    "uuid": _uuid_in,
    "bool": _bool_in,
    "json": _json_in,
    "date": _date_in,
    "datetime": _datetime_in,
    "timestamp": _datetime_in,
    "time": _time_in,
    "decimal": _decimal_in,
    "bytes": _bytes_in,
    "codec": _codec_in,
    "blob": _legacy_blob_in,
}


def encoder(attribute: Attribute) -> Adapter | None:
    """The function turning a user's value into its stored form, or None if none is needed."""
    make = _ENCODERS.get(attribute.type.category)
    return make(attribute) if make else None


def encode_value(attribute: Attribute, value: Any) -> Any:
    """One value in its stored form (``None`` stays ``None``)."""
    if value is None:
        return None
    adapt = encoder(attribute)
    if adapt is None:
        return value.item() if isinstance(value, np.generic) else value
    return adapt(value)


# -- decoding ---------------------------------------------------------------------


def _time_out(text: Any) -> dt.timedelta:
    if isinstance(text, dt.timedelta):
        return text
    if isinstance(text, dt.time):
        return dt.timedelta(
            hours=text.hour, minutes=text.minute, seconds=text.second, microseconds=text.microsecond
        )
    sign = -1 if text.startswith("-") else 1
    hours, minutes, seconds = text.lstrip("-").split(":")
    return sign * dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))


def _codec_out(attribute: Attribute, **options: Any) -> Adapter:
    codec = get_codec(attribute.type.codec or "")
    if attribute.type.codec == "attach":
        path = options.get("download_path", ".")
        return lambda stored: codec.decode(stored, download_path=path)  # type: ignore[call-arg]
    if type(codec) is BlobCodec:  # a subclass may decode differently
        return ColumnBlobDecoder(codec.decode)
    return codec.decode


def _uuid_out(stored: Any) -> uuid.UUID:
    return stored if isinstance(stored, uuid.UUID) else uuid.UUID(bytes=bytes(stored))


def _date_out(stored: Any) -> dt.date:
    return stored if isinstance(stored, dt.date) else dt.date.fromisoformat(stored)


def _datetime_out(stored: Any) -> dt.datetime:
    return stored if isinstance(stored, dt.datetime) else dt.datetime.fromisoformat(stored)


_DECODERS: dict[str, Callable[..., Adapter]] = {
    "uuid": lambda a, **o: _uuid_out,
    "json": lambda a, **o: json.loads,
    "date": lambda a, **o: _date_out,
    "datetime": lambda a, **o: _datetime_out,
    "timestamp": lambda a, **o: _datetime_out,
    "time": lambda a, **o: _time_out,
    "decimal": lambda a, **o: decimal.Decimal,
    "bool": lambda a, **o: bool,
    "bytes": lambda a, **o: bytes,
    "codec": _codec_out,
    "blob": lambda a, **o: ColumnBlobDecoder(get_codec("blob").decode),
}


def decoder(attribute: Attribute, **options: Any) -> Adapter | None:
    """The function turning a stored value into the user's value, or None if none is needed."""
    make = _DECODERS.get(attribute.type.category)
    return make(attribute, **options) if make else None
