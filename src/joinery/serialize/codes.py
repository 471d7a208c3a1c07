"""The constants of DataJoint's blob wire format: headers, structure tags, array type ids.

Bottom of the ``serialize`` layer; ``pack`` and ``unpack`` both read these tables and
nothing else decides what a byte means. The facts follow DataJoint's published format:

* a blob starts with ``mYm\\0`` (only what MATLAB's mYm library can read) or ``dj0\\0``
  (anything else); either may be wrapped as ``ZL123\\0`` + uint64 raw length + zlib stream;
* every value starts with a one-byte structure tag (``A`` array, ``C`` cell, ``S`` struct, ...);
* numeric arrays carry a uint32 type id: MATLAB's ``mxClassID`` numbers, plus DataJoint's
  ``datetime64`` ids from 65536 on;
* all integers are little-endian; lengths, counts and dimensions are uint64.
"""

from __future__ import annotations

import struct

import numpy as np

MYM_HEADER = b"mYm\0"
DJ0_HEADER = b"dj0\0"
ZLIB_HEADER = b"ZL123\0"
HEADER_SIZE = 4
#: DataJoint only tries zlib on a packed blob longer than this many bytes.
COMPRESS_MIN_SIZE = 1000

# Structure tags: the first byte of every packed value.
ARRAY = ord("A")  # numeric / char / object array (MATLAB-compatible)
SPARSE = ord("P")  # MATLAB sparse matrix (never written, refused on read)
STRUCT = ord("S")  # MATLAB struct array
CELL = ord("C")  # MATLAB cell array
RECORDS = ord("F")  # numpy structured (record) array
DECIMAL = ord("d")
DATETIME = ord("t")  # datetime.date, .time or .datetime
UUID = ord("u")
NONE = 0xFF
TUPLE = 0x01
LIST = 0x02
SET = 0x03
DICT = 0x04
STR = 0x05
BYTES = 0x06
INT = 0x0A  # arbitrary-size signed int
BOOL = 0x0B
COMPLEX = 0x0C
FLOAT = 0x0D

# Array type ids (MATLAB's mxClassID where one exists).
CHAR_ID = 4  # MATLAB char: 16-bit code units
OBJECT_ID = 5  # mxVOID: each element is itself a packed value (dj0 only)
#: Joinery's own id for float16, which DataJoint 2.3.5 cannot pack (its issue #717).
#: Chosen far from MATLAB's ids and from DataJoint's datetime range so neither will collide.
FLOAT16_ID = 65_792
#: Ids from here on are not MATLAB classes, so using one makes the blob ``dj0``.
FIRST_DJ0_ID = 65_536

_DATETIME_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as")

#: type id -> dtype of the stored elements (explicitly little-endian, as on the wire).
NUMERIC_DTYPES: dict[int, np.dtype] = {
    3: np.dtype("|b1"),
    6: np.dtype("<f8"),
    7: np.dtype("<f4"),
    8: np.dtype("|i1"),
    9: np.dtype("|u1"),
    10: np.dtype("<i2"),
    11: np.dtype("<u2"),
    12: np.dtype("<i4"),
    13: np.dtype("<u4"),
    14: np.dtype("<i8"),
    15: np.dtype("<u8"),
    FLOAT16_ID: np.dtype("<f2"),
    **{FIRST_DJ0_ID + i: np.dtype(f"<M8[{unit}]") for i, unit in enumerate(_DATETIME_UNITS)},
}

#: dtype -> type id, for packing. ``|S1`` (numpy's ``c``) is MATLAB char; object is VOID.
TYPE_IDS: dict[np.dtype, int] = {
    **{dtype: type_id for type_id, dtype in NUMERIC_DTYPES.items()},
    np.dtype("|S1"): CHAR_ID,
    np.dtype("O"): OBJECT_ID,
}

U8 = struct.Struct("<B")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
TAG_U64 = struct.Struct("<BQ")  # a tag followed by a length or count
TYPE_AND_COMPLEX = struct.Struct("<II")
DATE_AND_TIME = struct.Struct("<iq")
F64 = struct.Struct("<d")
C128 = struct.Struct("<dd")
