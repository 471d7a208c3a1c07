"""Blob bytes -> Python / numpy values: everything DataJoint (0.12 to 2.x) and MATLAB write.

Part of the ``serialize`` layer (pure); the ``<blob>`` codec calls :func:`unpack`. What comes
back matches DataJoint's reading of the same bytes, including the type changes of its round
trip (listed in :func:`unpack`), except where DataJoint's reader fails or loses data: MATLAB
chars are decoded as UTF-16 (DataJoint keeps only each char's low byte), object arrays of
same-shaped arrays and record arrays with subarray fields are rebuilt instead of failing,
and complex numbers keep infinite imaginary parts. As in DataJoint, a numeric array is a
read-only view of the blob's bytes, not a copy: reading large arrays costs no second pass over
memory (``array.copy()`` gives a writable one). Malformed input raises :class:`DataJointError`.
"""

from __future__ import annotations

import datetime
import math
import struct
import uuid
import zlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from ..errors import DataJointError
from . import codes
from .matlab import MatCell, MatStruct

_Buffer = bytes | bytearray


class _Reader:
    """A cursor over one uncompressed blob body."""

    __slots__ = ("buf", "pos", "squeeze")

    def __init__(self, buf: _Buffer, pos: int, squeeze: bool) -> None:
        self.buf = buf
        self.pos = pos
        self.squeeze = squeeze

    # --- primitives ------------------------------------------------------------------

    def skip(self, n_bytes: int) -> int:
        """Advance past ``n_bytes`` bytes and return where they start."""
        start = self.pos
        end = start + n_bytes
        if end > len(self.buf):
            raise _truncated(end, len(self.buf))
        self.pos = end
        return start

    def fixed(self, layout: struct.Struct) -> tuple[Any, ...]:
        start = self.skip(layout.size)
        return layout.unpack_from(self.buf, start)

    def u64(self) -> int:
        return self.fixed(codes.U64)[0]

    def raw(self, n_bytes: int) -> bytes:
        start = self.skip(n_bytes)
        return bytes(self.buf[start : start + n_bytes])

    def cstring(self) -> str:
        """A zero-terminated UTF-8 string (field names)."""
        end = self.buf.find(b"\0", self.pos)
        if end < 0:
            raise DataJointError("Blob is truncated: a field name has no terminating zero byte.")
        text = bytes(self.buf[self.pos : end]).decode()
        self.pos = end + 1
        return text

    def shape(self) -> tuple[int, ...]:
        n_dims = self.u64()
        start = self.skip(8 * n_dims)
        return struct.unpack_from(f"<{n_dims}Q", self.buf, start)

    def check_room(self, n_values: int) -> None:
        """Refuse counts that cannot fit (a framed value takes at least 9 bytes) before allocating."""
        needed = self.pos + 9 * n_values
        if needed > len(self.buf):
            raise _truncated(needed, len(self.buf))

    def squeezed(self, value: Any, to_scalar: bool = True) -> Any:
        """Apply ``squeeze=True``: drop singleton dimensions, and 0-d arrays become scalars."""
        if not self.squeeze:
            return value
        value = value.squeeze()
        return value.item() if to_scalar and value.ndim == 0 else value

    # --- values ----------------------------------------------------------------------

    def value(self) -> Any:
        tag = self.buf[self.skip(1)]
        reader = _READERS.get(tag)
        if reader is None:
            raise DataJointError(
                f"Blob holds a value with unknown structure code {tag:#04x}: it is corrupt, "
                "or was written by a newer DataJoint; upgrade joinery."
            )
        return reader(self)

    def framed(self) -> Any:
        """A value preceded by its uint64 length; checks that the length is right."""
        n_bytes = self.u64()
        start = self.pos
        result = self.value()
        if self.pos - start != n_bytes:
            raise DataJointError(
                f"Blob is corrupt: a value declared {n_bytes} bytes long used {self.pos - start}."
            )
        return result

    def objects(self, count: int) -> np.ndarray:
        """``count`` framed values as a 1-D object array (never broadcast into more dims)."""
        self.check_room(count)
        out = np.empty(count, dtype=object)
        for i in range(count):
            out[i] = self.framed()
        return out

    def array(self) -> Any:
        shape = self.shape()
        count = math.prod(shape)
        type_id, is_complex = self.fixed(codes.TYPE_AND_COMPLEX)
        if type_id == codes.OBJECT_ID:
            return self.squeezed(self.objects(count).reshape(shape, order="F"))
        if type_id == codes.CHAR_ID:
            return self.squeezed(self.chars(shape, count))
        dtype = codes.NUMERIC_DTYPES.get(type_id)
        if dtype is None:
            raise DataJointError(f"Blob holds an array of unknown type id {type_id}; cannot read it.")
        data = self.numbers(dtype, count)
        if is_complex:
            data = _complex(data, self.numbers(dtype, count))
        data = data.reshape(shape, order="F")
        return self.squeezed(data[()] if not shape else data)  # 0-d comes back as a scalar

    def numbers(self, dtype: np.dtype, count: int) -> np.ndarray:
        """A read-only view of ``count`` values (the buffer is immutable ``bytes``, see :func:`unpack`)."""
        start = self.skip(count * dtype.itemsize)
        return np.frombuffer(self.buf, dtype=dtype, count=count, offset=start)

    def chars(self, shape: tuple[int, ...], count: int) -> np.ndarray:
        """MATLAB char array (UTF-16 code units): a row becomes one string, else chars."""
        start = self.skip(2 * count)
        units = np.frombuffer(self.buf, dtype="<u2", count=count, offset=start)
        if len(shape) == 1 or (len(shape) == 2 and shape[0] == 1):
            return np.array([units.tobytes().decode("utf-16-le", "surrogatepass")])
        return units.astype("<u4").view("<U1").reshape(shape, order="F")

    def records(self) -> Any:
        n_fields = self.fixed(codes.U32)[0]
        if not n_fields:
            return np.array(None)
        names = [self.cstring() for _ in range(n_fields)]
        fields = [np.asarray(self.value()) for _ in range(n_fields)]
        shape = min((field.shape for field in fields), key=len)
        dtype = np.dtype([(n, f.dtype, f.shape[len(shape) :]) for n, f in zip(names, fields, strict=True)])
        out = np.empty(shape, dtype=dtype)
        for name, field in zip(names, fields, strict=True):
            if field.shape[: len(shape)] != shape:
                raise DataJointError(f"Blob is corrupt: record field {name!r} has the wrong shape.")
            out[name] = field
        return out.view(np.recarray)

    def struct(self) -> Any:
        shape = self.shape()
        count = math.prod(shape)
        n_fields = self.fixed(codes.U32)[0]
        if not n_fields:
            return np.array(None)
        names = [self.cstring() for _ in range(n_fields)]
        self.check_room(count * n_fields)
        out = np.empty(count, dtype=[(name, object) for name in names])
        columns = [out[name] for name in names]
        for i in range(count):
            for column in columns:
                column[i] = self.framed()
        out = self.squeezed(out.reshape(shape, order="F"), to_scalar=False)
        return out.view(MatStruct)

    def cell(self) -> Any:
        shape = self.shape()
        count = math.prod(shape)
        out = self.objects(count)
        if not count:
            return out.view(MatCell)  # DataJoint gives every empty cell the shape (0,)
        return self.squeezed(out.reshape(shape, order="F"), to_scalar=False).view(MatCell)

    def sparse(self) -> Any:
        raise DataJointError(
            "Blob holds a MATLAB sparse matrix, which cannot be read; store it with full() in MATLAB."
        )

    def none(self) -> None:
        return None

    def tuple_(self) -> tuple:
        return tuple(self.framed() for _ in range(self.u64()))

    def list_(self) -> list:
        return [self.framed() for _ in range(self.u64())]

    def set_(self) -> set:
        return {self.framed() for _ in range(self.u64())}

    def dict_(self) -> dict:
        return {self.framed(): self.framed() for _ in range(self.u64())}

    def str_(self) -> str:
        return self.raw(self.u64()).decode()

    def bytes_(self) -> bytes:
        return self.raw(self.u64())

    def int_(self) -> int:
        n_bytes = self.fixed(codes.U16)[0]
        return int.from_bytes(self.raw(n_bytes), byteorder="little", signed=True)

    def bool_(self) -> bool:
        return self.buf[self.skip(1)] != 0

    def complex_(self) -> complex:
        return complex(*self.fixed(codes.C128))

    def float_(self) -> float:
        return self.fixed(codes.F64)[0]

    def decimal(self) -> Decimal:
        return Decimal(self.str_())

    def uuid_(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.raw(16))

    def datetime_(self) -> Any:
        day, tick = self.fixed(codes.DATE_AND_TIME)
        date = None if day < 0 else datetime.date(day // 10_000, day // 100 % 100, day % 100)
        if tick < 0:
            return date
        seconds, micro = divmod(tick, 1_000_000)
        time = datetime.time(seconds // 10_000 % 100, seconds // 100 % 100, seconds % 100, micro)
        return time if date is None else datetime.datetime.combine(date, time)


_READERS: dict[int, Callable[[_Reader], Any]] = {
    codes.ARRAY: _Reader.array,
    codes.SPARSE: _Reader.sparse,
    codes.STRUCT: _Reader.struct,
    codes.CELL: _Reader.cell,
    codes.RECORDS: _Reader.records,
    codes.NONE: _Reader.none,
    codes.TUPLE: _Reader.tuple_,
    codes.LIST: _Reader.list_,
    codes.SET: _Reader.set_,
    codes.DICT: _Reader.dict_,
    codes.STR: _Reader.str_,
    codes.BYTES: _Reader.bytes_,
    codes.INT: _Reader.int_,
    codes.BOOL: _Reader.bool_,
    codes.COMPLEX: _Reader.complex_,
    codes.FLOAT: _Reader.float_,
    codes.DECIMAL: _Reader.decimal,
    codes.DATETIME: _Reader.datetime_,
    codes.UUID: _Reader.uuid_,
}

# What a corrupt body can make the decoders raise; all become DataJointError.
_DECODE_ERRORS = (struct.error, ValueError, UnicodeDecodeError, InvalidOperation, OverflowError)


def _complex(real: np.ndarray, imag: np.ndarray) -> np.ndarray:
    """Combine the parts exactly (no arithmetic, so inf and -0.0 survive)."""
    out = np.empty(real.shape, dtype=np.complex64 if real.dtype == np.float32 else np.complex128)
    out.real = real
    out.imag = imag
    return out


def _truncated(needed: int, size: int) -> DataJointError:
    return DataJointError(f"Blob is truncated or corrupt: it needs at least {needed} bytes but has {size}.")


def _decompress(blob: _Buffer) -> _Buffer:
    """Strip the ``ZL123\\0`` wrapper if present, checking the declared length."""
    if not blob.startswith(codes.ZLIB_HEADER):
        return blob
    start = len(codes.ZLIB_HEADER)
    if len(blob) < start + 8:
        raise _truncated(start + 8, len(blob))
    expected = codes.U64.unpack_from(blob, start)[0]
    try:
        body = zlib.decompress(memoryview(blob)[start + 8 :])
    except zlib.error as error:
        raise DataJointError(f"Blob is corrupt: its zlib-compressed body cannot be read ({error}).") from None
    if len(body) != expected:
        raise DataJointError(
            f"Blob is corrupt: it declares {expected} uncompressed bytes but holds {len(body)}."
        )
    return body


def unpack(blob: bytes | bytearray | memoryview | None, squeeze: bool = False) -> Any:
    """Deserialize a blob written by DataJoint (any version), MATLAB's mYm, or :func:`pack`.

    ``squeeze=True`` drops singleton dimensions of arrays and turns 0-d results into Python
    scalars. ``None`` gives ``None``.

    Round trips change some types, exactly as DataJoint's do: a 0-d numeric array or numpy
    scalar comes back as a numpy scalar; a record array (or structured ndarray) as
    ``np.recarray``; a str array as an object array of str; an ``S1`` (char) array as a str
    array, its rows joined; bytearray as bytes; frozenset and other sets as set; any other
    sequence as tuple, mutable sequence as list, mapping as dict; aware datetimes lose tzinfo.

    >>> from joinery.serialize import pack
    >>> unpack(pack({"a": [1, 2.5, None]}))
    {'a': [1, 2.5, None]}
    """
    if blob is None:
        return None
    if type(blob) is not bytes:
        blob = bytes(blob)  # arrays are views of the buffer: it must be one nobody can change
    body = _decompress(blob)
    header = bytes(body[: codes.HEADER_SIZE])
    if header not in (codes.MYM_HEADER, codes.DJ0_HEADER):
        raise DataJointError(
            f"Not a DataJoint blob: it starts with {bytes(body[:8])!r}, but a blob starts with "
            "b'mYm\\x00', b'dj0\\x00' or (compressed) b'ZL123\\x00'."
        )
    reader = _Reader(body, codes.HEADER_SIZE, squeeze)
    try:
        result = reader.value()
    except _DECODE_ERRORS as error:
        raise DataJointError(f"Blob is corrupt and cannot be unpacked: {error}") from error
    if reader.pos != len(body):
        raise DataJointError(f"Blob is corrupt: its value ends at byte {reader.pos} of {len(body)}.")
    return result
