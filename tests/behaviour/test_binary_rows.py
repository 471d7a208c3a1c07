"""Rows holding large binary values (blobs, bytes) read every other type as rows without them do.

PostgreSQL reads such rows in its binary result format (several times faster
for bytea); the values of every declared type must not change with the format.
Each test compares the same rows fetched with a blob column and without one.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

import numpy as np

import joinery as dj

#: float32 values whose text and binary forms differ: shortest decimals, and decimals on a rounding edge
FLOAT32S = [0.3, 2072824064.0, 97474816.0, 1.1754944e-38, 3.4028234663852886e38, -2.5e-07, 16777216.0, 1e-45]

SCALARS = [
    "small",
    "big",
    "ratio",
    "precise",
    "price",
    "flag",
    "name",
    "code",
    "color",
    "day",
    "moment",
    "span",
    "uid",
    "doc",
]


def mixed_row(item: int, ratio: float) -> dict:
    return {
        "item": item,
        "small": -item,
        "big": 2**62 + item,
        "ratio": ratio,
        "precise": 0.1 * item,
        "price": decimal.Decimal("12.500") + item,
        "flag": item % 2 == 0,
        "name": f"name {item}",
        "code": "ab",
        "color": "green",
        "day": datetime.date(2024, 2, 29),
        "moment": datetime.datetime(2024, 2, 29, 13, 45, 1, 123000),
        "span": datetime.timedelta(hours=-3, minutes=7, seconds=1),
        "uid": uuid.UUID(int=item),
        "doc": {"a": [1, 2.5], "b": None, "é": "ü"},
        "data": np.full((4, 4), item, dtype=np.float32),
        "raw": bytes(range(item + 1)),
    }


def test_every_type_reads_the_same_in_rows_with_large_binary_values(schema):
    @schema
    class Mixed(dj.Manual):
        definition = """
        item : int16
        ---
        small = null : int8
        big = null : int64
        ratio = null : float32
        precise = null : float64
        price = null : decimal(8,3)
        flag = null : bool
        name = null : varchar(20)
        code = null : char(4)
        color = null : enum('red', 'green')
        day = null : date
        moment = null : datetime(3)
        span = null : time
        uid = null : uuid
        doc = null : json
        data = null : <blob>
        raw = null : bytes
        """

    rows = [mixed_row(item, ratio) for item, ratio in enumerate(FLOAT32S)]
    Mixed.insert([*rows, {"item": 100, "data": np.zeros(2)}])

    with_blobs = Mixed.to_dicts(order_by="item")
    without = Mixed.proj(*SCALARS).to_dicts(order_by="item")
    assert [{name: row[name] for name in ["item", *SCALARS]} for row in with_blobs] == without
    assert with_blobs[0]["ratio"] == 0.3  # the decimal that was stored, not the float32's 0.30000001192...
    assert with_blobs[-1]["ratio"] is None and with_blobs[-1]["doc"] is None
    assert with_blobs[3]["raw"] == bytes(range(4))
    assert np.array_equal(with_blobs[3]["data"], np.full((4, 4), 3, dtype=np.float32))


def test_fetch1_of_a_row_with_bytes_reads_its_float32_and_json(schema):
    @schema
    class Image(dj.Manual):
        definition = """
        image_id : int32
        ---
        gain : float32
        meta : json
        png : bytes
        """

    row = {"image_id": 1, "gain": 0.7, "meta": {"size": [3, 4]}, "png": b"\x89PNG\x00\xff"}
    Image.insert1(row)
    assert Image.fetch1() == row
    assert (Image & {"image_id": 1}).fetch1() == row
    assert (Image & "gain > 0.5").fetch1("gain", "png") == (0.7, row["png"])
