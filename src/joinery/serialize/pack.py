"""Python / numpy values -> blob bytes, byte for byte as DataJoint 2.3.5 writes them.

Part of the ``serialize`` layer (pure: no database, no configuration); the ``<blob>`` codec
calls :func:`pack`. Choices that decide the bytes follow DataJoint exactly: which encoding a
type gets (the order of the type tests matters), when the header is ``mYm`` rather than
``dj0``, when zlib is tried and kept. Chunks are collected in a list and joined once, and array
data goes in as a buffer, so a large array is copied only by the join (plus the transposition
when it is C-ordered: the format stores column-major).
"""

from __future__ import annotations

import collections.abc
import datetime
import uuid
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from ..errors import DataJointError
from . import codes
from .layout import fortran_bytes
from .matlab import MatCell, MatStruct

_Chunk = Any  # bytes, bytearray, or a flat uint8 ndarray: anything bytes.join accepts


class _Packer:
    """Collects the chunks of one blob and whether it needs the ``dj0`` header."""

    __slots__ = ("chunks", "size", "dj0")

    def __init__(self) -> None:
        self.chunks: list[_Chunk] = [b""]  # slot 0 is the header, known only at the end
        self.size = 0
        self.dj0 = False

    def put(self, chunk: _Chunk) -> None:
        self.chunks.append(chunk)
        self.size += len(chunk)

    def framed(self, obj: object) -> None:
        """Pack ``obj`` preceded by its uint64 length, as containers store their items."""
        slot = len(self.chunks)
        self.chunks.append(b"")
        start = self.size
        self.value(obj)
        self.chunks[slot] = codes.U64.pack(self.size - start)
        self.size += 8

    def value(self, obj: object) -> None:
        """Pack any supported value, choosing its encoding as DataJoint does."""
        if isinstance(obj, np.ndarray):
            self.ndarray(obj)
            return
        self.dj0 = True
        _handler_for(type(obj))(self, obj)

    def ndarray(self, array: np.ndarray) -> None:
        if isinstance(array, MatCell):
            self.cell(array)
        elif isinstance(array, MatStruct):
            self.struct(array)
        elif array.dtype.fields is None:
            self.array(array)
        elif array.dtype.fields:
            self.dj0 = True
            self.records(np.asarray(array))
        else:
            raise DataJointError("Cannot pack a structured array that has no fields.")

    # --- MATLAB-compatible encodings -------------------------------------------------

    def array(self, array: np.ndarray) -> None:
        """``A``: numeric, bool, datetime64, MATLAB char (``S1``), str or object array."""
        if isinstance(array, np.ma.MaskedArray):
            array = array.filled()  # DataJoint stores masked entries as the fill value
        array = np.asarray(array)  # np.matrix and friends: their ravel() is not 1-D
        is_complex = array.dtype.kind == "c"
        real = array.real if is_complex else array
        real = _little_endian(real)
        type_id = _type_id(real.dtype)
        shape = array.shape
        self.put(_array_header(shape, type_id, is_complex))
        if type_id == codes.OBJECT_ID:
            for element in array.ravel(order="F"):
                self.framed(element)
            self.dj0 = True
        elif type_id == codes.CHAR_ID:
            # MATLAB chars are 16-bit; DataJoint writes them in C order (sic) after the shape
            self.put(np.asarray(real).view(np.uint8).astype("<u2").ravel().view(np.uint8))
        else:
            if array.ndim == 0 or type_id >= codes.FIRST_DJ0_ID:
                self.dj0 = True
            self.put(fortran_bytes(real))
            if is_complex:
                self.put(fortran_bytes(_little_endian(array.imag)))

    def cell(self, array: MatCell) -> None:
        """``C``: MATLAB cell array, elements in column-major order, each length-framed."""
        self.put(_dims(codes.CELL, array.shape))
        for element in array.flatten(order="F"):
            self.framed(element)

    def struct(self, array: MatStruct) -> None:
        """``S``: MATLAB struct array; for each element (column-major), each field's value."""
        names = array.dtype.names or ()
        self.put(_dims(codes.STRUCT, array.shape))
        self.put(codes.U32.pack(len(names)) + _field_names(names))
        for record in array.flatten(order="F"):
            for element in record:
                self.framed(element)

    # --- dj0 encodings ---------------------------------------------------------------

    def records(self, array: np.ndarray) -> None:
        """``F``: structured array as its field names, then each field as a whole array."""
        names = array.dtype.names or ()
        self.put(codes.U8.pack(codes.RECORDS) + codes.U32.pack(len(names)) + _field_names(names))
        for name in names:
            field = array[name]
            if field.dtype.fields:
                self.records(field)
            else:
                self.array(field)

    def scalar_array(self, obj: Any) -> None:
        """numpy scalars go as 0-d arrays."""
        self.array(np.array(obj))

    def bool_(self, obj: bool) -> None:
        self.put(bytes((codes.BOOL, 1 if obj else 0)))

    def int_(self, obj: int) -> None:
        n_bytes = obj.bit_length() // 8 + 1
        if n_bytes > 0xFFFF:
            raise DataJointError(
                f"Cannot pack an int of {n_bytes} bytes into a blob: the limit is 65535 bytes."
            )
        self.put(bytes((codes.INT,)) + codes.U16.pack(n_bytes))
        self.put(obj.to_bytes(n_bytes, byteorder="little", signed=True))

    def complex_(self, obj: complex) -> None:
        self.put(bytes((codes.COMPLEX,)) + codes.C128.pack(obj.real, obj.imag))

    def float_(self, obj: float) -> None:
        self.put(bytes((codes.FLOAT,)) + codes.F64.pack(obj))

    def datetime_(self, obj: datetime.date | datetime.time) -> None:
        """``t``: int32 yyyymmdd (-1: none) and int64 hhmmssuuuuuu (-1: none); tz dropped."""
        if isinstance(obj, datetime.datetime):
            date, time = obj.date(), obj.time()
        elif isinstance(obj, datetime.date):
            date, time = obj, None
        else:
            date, time = None, obj
        day = -1 if date is None else (date.year * 100 + date.month) * 100 + date.day
        tick = -1
        if time is not None:
            tick = ((time.hour * 100 + time.minute) * 100 + time.second) * 1_000_000 + time.microsecond
        self.put(bytes((codes.DATETIME,)) + codes.DATE_AND_TIME.pack(day, tick))

    def decimal(self, obj: Decimal) -> None:
        text = str(obj)
        self.put(codes.TAG_U64.pack(codes.DECIMAL, len(text)) + text.encode())

    def uuid_(self, obj: uuid.UUID) -> None:
        self.put(bytes((codes.UUID,)) + obj.bytes)

    def dict_(self, obj: collections.abc.Mapping) -> None:
        self.put(codes.TAG_U64.pack(codes.DICT, len(obj)))
        for key, item in obj.items():
            self.framed(key)
            self.framed(item)

    def str_(self, obj: str) -> None:
        data = obj.encode()
        self.put(codes.TAG_U64.pack(codes.STR, len(data)))
        self.put(data)

    def bytes_(self, obj: bytes | bytearray) -> None:
        self.put(codes.TAG_U64.pack(codes.BYTES, len(obj)))
        self.put(obj)

    def list_(self, obj: Any) -> None:
        self.sequence(codes.LIST, obj)

    def tuple_(self, obj: Any) -> None:
        self.sequence(codes.TUPLE, obj)

    def set_(self, obj: Any) -> None:
        self.sequence(codes.SET, obj)

    def sequence(self, tag: int, items: Any) -> None:
        self.put(codes.TAG_U64.pack(tag, len(items)))
        for item in items:
            self.framed(item)

    def none(self, obj: None) -> None:
        self.put(bytes((codes.NONE,)))


# Which encoding a non-ndarray value gets, tested in this order (DataJoint's order: e.g. a
# Mapping wins over str, numpy scalars win over the Python number types they subclass).
_RULES: tuple[tuple[type | tuple[type, ...], Callable[[_Packer, Any], None]], ...] = (
    ((np.number, np.datetime64, np.bool_), _Packer.scalar_array),
    (bool, _Packer.bool_),
    (int, _Packer.int_),
    (complex, _Packer.complex_),
    (float, _Packer.float_),
    ((datetime.datetime, datetime.date, datetime.time), _Packer.datetime_),
    (Decimal, _Packer.decimal),
    (uuid.UUID, _Packer.uuid_),
    (collections.abc.Mapping, _Packer.dict_),
    (str, _Packer.str_),
    ((bytes, bytearray), _Packer.bytes_),
    (collections.abc.MutableSequence, _Packer.list_),
    (collections.abc.Sequence, _Packer.tuple_),
    (collections.abc.Set, _Packer.set_),
    (type(None), _Packer.none),
)
_HANDLERS: dict[type, Callable[[_Packer, Any], None]] = {}


def _handler_for(cls: type) -> Callable[[_Packer, Any], None]:
    """Return (and cache per type) the packing method for values of type ``cls``."""
    handler = _HANDLERS.get(cls)
    if handler is None:
        handler = next((h for classes, h in _RULES if issubclass(cls, classes)), None)
        if handler is None:
            raise DataJointError(
                f"Cannot pack a value of type {cls.__module__}.{cls.__qualname__} into a blob. "
                "Blobs hold numpy arrays, numbers, str, bytes, None, date/time, Decimal, UUID, "
                "and lists, tuples, sets and dicts of these; convert the value to one of them."
            )
        _HANDLERS[cls] = handler
    return handler


def _little_endian(array: np.ndarray) -> np.ndarray:
    """Return ``array`` with little-endian elements (the wire order), converting if needed."""
    little = array.dtype.newbyteorder("<")
    return array if little == array.dtype else array.astype(little)


def _type_id(dtype: np.dtype) -> int:
    """The array type id for elements of ``dtype``; str arrays go element by element."""
    type_id = codes.TYPE_IDS.get(dtype)
    if type_id is not None:
        return type_id
    if dtype.kind == "U":
        return codes.OBJECT_ID
    raise DataJointError(
        f"Cannot pack an array of dtype {dtype} into a blob: the blob format has no code for it. "
        "Convert it (e.g. with .astype()) to bool, an integer or float type of 8 to 64 bits, "
        "complex64/128, datetime64 with a unit, str, or object."
    )


def _array_header(shape: tuple[int, ...], type_id: int, is_complex: bool) -> bytes:
    return _dims(codes.ARRAY, shape) + codes.TYPE_AND_COMPLEX.pack(type_id, is_complex)


def _dims(tag: int, shape: tuple[int, ...]) -> bytes:
    """A tag, then the number of dimensions and each dimension, as uint64."""
    return bytes((tag,)) + np.array((len(shape), *shape), dtype="<u8").tobytes()


def _field_names(names: tuple[str, ...]) -> bytes:
    return b"".join(name.encode() + b"\0" for name in names)


def pack(obj: object, compress: bool = True) -> bytes:
    """Serialize ``obj`` into DataJoint's blob format; the bytes equal DataJoint 2.3.5's.

    The header is ``mYm\\0`` when every part of ``obj`` is MATLAB-readable (non-0-d numeric,
    bool or char arrays, :class:`MatCell`, :class:`MatStruct`), ``dj0\\0`` otherwise. With
    ``compress`` a blob longer than 1000 bytes is zlib-compressed (``ZL123\\0`` prefix) when
    that makes it shorter.

    Beyond DataJoint: float16 arrays pack under a joinery type id (DataJoint cannot read them),
    and big-endian arrays are stored as their little-endian equivalent instead of refused.

    >>> pack([1, "a"], compress=False)[:5]
    b'dj0\\x00\\x02'
    >>> import numpy as np
    >>> pack(np.arange(3.0), compress=False)[:5]
    b'mYm\\x00A'
    """
    packer = _Packer()
    packer.value(obj)
    packer.chunks[0] = codes.DJ0_HEADER if packer.dj0 else codes.MYM_HEADER
    blob = b"".join(packer.chunks)
    if compress and len(blob) > codes.COMPRESS_MIN_SIZE:
        compressed = codes.ZLIB_HEADER + codes.U64.pack(len(blob)) + zlib.compress(blob)
        if len(compressed) < len(blob):
            return compressed
    return blob
