"""The numpy scalar types every driver is taught to bind (as Python ints and floats)."""

from __future__ import annotations

from typing import Any

import numpy as np

INTEGERS: tuple[Any, ...] = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
FLOATS: tuple[Any, ...] = (np.float16, np.float32, np.float64)
