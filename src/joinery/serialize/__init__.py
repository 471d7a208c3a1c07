"""DataJoint's blob wire format: pure bytes <-> Python / numpy values.

The bottom of the data path for ``<blob>`` attributes (``codecs/`` calls in here; nothing in
here knows about databases). :func:`pack` writes exactly the bytes DataJoint 2.3.5 writes;
:func:`unpack` reads what any DataJoint version or MATLAB's mYm wrote.
:class:`MatCell` and :class:`MatStruct` stand for MATLAB cell and struct arrays.
"""

from __future__ import annotations

from .matlab import MatCell, MatStruct
from .pack import pack
from .unpack import unpack

__all__ = ["MatCell", "MatStruct", "pack", "unpack"]
