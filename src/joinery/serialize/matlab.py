"""Marker classes for MATLAB cell arrays and struct arrays.

Part of the ``serialize`` layer. MATLAB has two container types that numpy lacks; unpacking a
blob written by MATLAB returns them as these ndarray subclasses, and packing an instance of
them writes MATLAB's encoding again (``C`` and ``S`` tags in an ``mYm`` blob), so the data stays
readable from MATLAB. Plain ndarrays never take this route.
"""

from __future__ import annotations

import numpy as np


class MatCell(np.ndarray):
    """A MATLAB cell array: an object ndarray whose elements are arbitrary values.

    Make one from an object array with ``.view(MatCell)``; unpacking a MATLAB cell gives one.

    >>> import numpy as np
    >>> cell = np.empty(2, dtype=object)
    >>> cell[0], cell[1] = "text", np.arange(3)
    >>> cell = cell.view(MatCell)
    >>> type(cell).__name__, cell.shape
    ('MatCell', (2,))
    """


class MatStruct(np.recarray):
    """A MATLAB struct array: a record array whose fields hold arbitrary values.

    Unpacking a MATLAB struct gives one with one ``object`` field per struct field; make one
    from any record array with ``.view(MatStruct)``.

    >>> import numpy as np
    >>> s = np.array([(1.0, "a")], dtype=[("x", object), ("y", object)]).view(MatStruct)
    >>> s.x[0], s.y[0]
    (1.0, 'a')
    """
