"""The codecs joinery ships: ``<blob>`` and ``<attach>`` (kept in the table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataJointError
from ..serialize import pack, unpack
from .base import Codec


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
