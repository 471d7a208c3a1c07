"""The codecs joinery ships: ``<blob>`` and ``<attach>`` (kept in the table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataJointError
from ..serialize import pack, unpack
from ..serialize.codes import ZLIB_HEADER
from .base import Codec

#: (blob length, header bytes, dtype, shape) of a plain numeric array's blob
_Layout = tuple[int, bytes, np.dtype, tuple[int, ...]]


def _layout(stored: bytes, value: Any) -> _Layout | None:
    """The layout of ``stored`` if it holds a plain numeric array as its last bytes, in Fortran order.

    Checked against the array the full decoder made, so nothing here assumes
    more of the blob format than that an uncompressed blob's header decides
    how its remaining bytes are read.
    """
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf" or not value.size:
        return None
    start = len(stored) - value.nbytes
    if start <= 0 or stored.startswith(ZLIB_HEADER) or stored[start:] != value.tobytes(order="F"):
        return None
    return len(stored), stored[:start], value.dtype, value.shape


class ColumnBlobDecoder:
    """``decode`` for one column's blobs, with shortcuts for arrays laid out like the previous one.

    A column of same-shaped arrays (images, traces) repeats one header: once a
    blob decoded fully gives a plain numeric array, each later blob with the same
    length and header bytes is read with one ``np.frombuffer`` instead of a parse.
    The result is a read-only view of the blob, as the full decoder gives.
    """

    __slots__ = ("decode", "layout")

    def __init__(self, decode: Callable[[Any], Any]) -> None:
        self.decode = decode
        self.layout: _Layout | None = None

    def __call__(self, stored: Any) -> Any:
        layout = self.layout
        if layout is not None and type(stored) is bytes and len(stored) == layout[0]:
            length, header, dtype, shape = layout
            if stored.startswith(header):
                data = np.frombuffer(stored, dtype=dtype, offset=len(header))
                return data.reshape(shape, order="F")
        value = self.decode(stored)
        if type(stored) is bytes:
            self.layout = _layout(stored, value)
        return value

    def stack(self, column: list) -> np.ndarray | None:
        """The column's arrays stacked along a new first axis, or None unless all share one layout.

        What ``to_arrays`` makes of equal-shaped arrays (DataJoint stacks them
        too), built by copying each blob's data once into the result, with no
        array made per row. Each item keeps the blob's Fortran order (the
        result's strides say so); its values are those of the item's array.
        """
        if not column or type(column[0]) is not bytes:
            return None
        self(column[0])  # learns the layout, if the first blob has a plain one
        if self.layout is None:
            return None
        length, header, dtype, shape = self.layout
        skip = len(header)
        data = np.empty((len(column), length - skip), dtype=np.uint8)
        for i, stored in enumerate(column):
            if type(stored) is not bytes or len(stored) != length or not stored.startswith(header):
                return None
            data[i] = memoryview(stored)[skip:]
        items = data.view(dtype).reshape(len(column), *shape[::-1])
        return items.transpose(0, *range(len(shape), 0, -1))


class BlobCodec(Codec):
    """Any numpy array or Python structure, in DataJoint's blob wire format.

    Stored uncompressed: scientific arrays are mostly incompressible noise, and
    zlib would cost far more time than the bytes it saves. Compressed blobs
    written by DataJoint are read transparently.
    """

    name = "blob"

    def get_dtype(self, is_store: bool) -> str:
        return "bytes"

    def encode(self, value: Any, *, key: dict | None = None, store_name: str | None = None) -> bytes:
        return pack(value, compress=False)

    def decode(self, stored: Any, *, key: dict | None = None) -> Any:
        return unpack(stored, squeeze=False)


class AttachCodec(Codec):
    """A file kept with its name: ``insert`` takes a path, ``fetch`` writes the file back.

    Stored as ``filename\\0contents``, DataJoint's layout for attachments.
    """

    name = "attach"

    def get_dtype(self, is_store: bool) -> str:
        return "bytes"

    def validate(self, value: Any) -> None:
        if not Path(value).is_file():
            raise DataJointError(f"Attachment {value!r} is not a readable file.")

    def encode(self, value: Any, *, key: dict | None = None, store_name: str | None = None) -> bytes:
        path = Path(value)
        return path.name.encode() + b"\0" + path.read_bytes()

    def decode(self, stored: Any, *, key: dict | None = None, download_path: str | Path = ".") -> Path:
        name, _, contents = bytes(stored).partition(b"\0")
        target = Path(download_path) / name.decode()
        if not (target.is_file() and target.read_bytes() == contents):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents)
        return target
