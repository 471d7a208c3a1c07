"""``dj.blob``: the public face of the blob wire format, as DataJoint users know it.

Users write ``dj.blob.pack(obj)`` / ``dj.blob.unpack(b)``; the implementation lives in
:mod:`joinery.serialize`. This module only re-exports it.
"""

from __future__ import annotations

from .serialize import MatCell, MatStruct, pack, unpack

__all__ = ["MatCell", "MatStruct", "pack", "unpack"]
