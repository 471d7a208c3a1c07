"""Reading PostgreSQL's binary result format as joinery reads its text format.

Rows with large ``bytea`` values read several times faster in the binary
format (the text format sends bytea hex-encoded: twice the bytes, and a hex
decode). So the PostgreSQL driver asks for binary results when the fetch layer
says rows hold such values, and registers the loaders here so that every type
joinery declares reads the same in either format:

- ``json`` / ``jsonb`` as text (joinery's decoders parse the stored text, as on
  the other backends); binary ``jsonb`` is a version byte, then that text;
- ``real`` (``float32``) as the shortest decimal PostgreSQL's text output
  prints, read as a float: ``0.3``, not the float32's exact ``0.30000001192...``.

The other types joinery declares (integers, ``double precision``, ``numeric``,
text, ``boolean``, ``uuid``, dates, timestamps, ``interval``, ``bytea``) load to
equal values in both formats with psycopg's own loaders.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

_FLOAT4 = struct.Struct("!f")
_BITS = struct.Struct("!I")
_EXACT_INTEGERS = 2.0**24  # PostgreSQL prints every integral real below this with all its digits


def register_binary_loaders(raw: Any) -> None:
    """Teach one psycopg connection to read binary ``json``, ``jsonb`` and ``real`` as text would."""
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    encoding = raw.info.encoding

    class JsonTextLoader(Loader):
        format = Format.BINARY
        skip = 0

        def load(self, data: Any) -> str:
            return bytes(data[self.skip :]).decode(encoding)

    class JsonbTextLoader(JsonTextLoader):
        skip = 1  # the jsonb binary format's version byte

    class Float4TextLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> float:
            return float4_as_printed(bytes(data))

    raw.adapters.register_loader("json", JsonTextLoader)
    raw.adapters.register_loader("jsonb", JsonbTextLoader)
    raw.adapters.register_loader("float4", Float4TextLoader)


@lru_cache(maxsize=4096)  # a column often repeats its values (a gain, a sampling rate)
def float4_as_printed(data: bytes) -> float:
    """The float that PostgreSQL's text output of the big-endian float32 ``data`` reads as.

    PostgreSQL prints a ``real`` as the shortest decimal strictly inside the
    interval of numbers that round to it (integral values below 2**24 in full).
    numpy's shortest decimal is the same unless it lies on that interval's
    edge (numpy accepts the edge), which the exact search settles.

    >>> float4_as_printed(struct.pack("!f", 0.3))
    0.3
    >>> float4_as_printed(struct.pack("!f", 2072824064.0))  # 2.0728241e+09, not numpy's 2.072824e+09
    2072824100.0
    """
    value = _FLOAT4.unpack(data)[0]
    if not math.isfinite(value) or value == 0 or (value.is_integer() and abs(value) < _EXACT_INTEGERS):
        return value
    magnitude = abs(value)
    below, above = _half_gaps(_BITS.unpack(data)[0])
    shortest = float(str(np.float32(magnitude)))
    if not magnitude - below < shortest < magnitude + above:
        shortest = _shortest_strictly_inside(magnitude, below, above)
    return math.copysign(shortest, value)


def _half_gaps(bits: int) -> tuple[float, float]:
    """Half the distance to the next float32 below and above (exact as floats); smaller below a power of 2."""
    exponent = (bits >> 23) & 0xFF
    above = math.ldexp(1.0, (exponent or 1) - 151)
    narrower_below = bits & 0x7FFFFF == 0 and exponent > 1
    return (above / 2 if narrower_below else above), above


def _shortest_strictly_inside(magnitude: float, below: float, above: float) -> float:
    """The decimal with the fewest digits strictly between ``magnitude - below`` and ``magnitude + above``.

    Of two with as many digits, the nearer to ``magnitude``; of two as near, the even one.
    """
    exact = Fraction(magnitude)
    low, high = exact - Fraction(below), exact + Fraction(above)
    leading = int(f"{magnitude:.17e}".partition("e")[2])  # the power of ten of the first digit
    for digits in range(1, 10):
        step = Fraction(10) ** (leading - digits + 1)
        floor = exact // step
        inside = [n for n in (floor, floor + 1) if low < n * step < high]
        if inside:
            return float(min(inside, key=lambda n: (abs(n * step - exact), n % 2)) * step)
    return magnitude  # not reached: nine digits always identify a float32
