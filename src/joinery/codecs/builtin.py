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


def column_blob_decoder(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``decode`` for one column's blobs, with a shortcut for arrays laid out like the previous one.

    A column of same-shaped arrays (images, traces) repeats one header: once a
    blob decoded fully gives a plain numeric array, each later blob with the same
    length and header bytes is read with one ``np.frombuffer`` instead of a parse.
    The result is a writable copy, as the full decoder gives.
    """
    last: list[_Layout | None] = [None]

    def decode_blob(stored: Any) -> Any:
        layout = last[0]
        if layout is not None and type(stored) is bytes and len(stored) == layout[0]:
            length, header, dtype, shape = layout
            if stored.startswith(header):
                data = np.frombuffer(stored, dtype=dtype, offset=len(header))
                return data.reshape(shape, order="F").copy(order="K")
        value = decode(stored)
        if type(stored) is bytes:
            last[0] = _layout(stored, value)
        return value

    return decode_blob


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
