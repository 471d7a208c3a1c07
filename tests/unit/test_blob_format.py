"""The blob wire format: round trips, byte equality with DataJoint 2.3.5, malformed input."""

from __future__ import annotations

import datetime
import struct
import uuid
import zlib
from decimal import Decimal

import datajoint.blob as djblob
import datajoint.errors as djerrors
import numpy as np
import pytest

from joinery.blob import pack as facade_pack
from joinery.blob import unpack as facade_unpack
from joinery.errors import DataJointError
from joinery.serialize import MatCell, MatStruct, pack, unpack

RNG = np.random.default_rng(7)


def objects(*items, shape=None) -> np.ndarray:
    """An object array holding ``items`` as they are (never broadcast)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out.reshape(shape or (len(items),))


def assert_same(got, want) -> None:
    """Same type (by name, so DataJoint's MatCell matches ours), dtype, shape and values."""
    assert type(got).__name__ == type(want).__name__, (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype)
        if want.dtype.names:
            for name in want.dtype.names:
                assert_same(np.asarray(got[name]), np.asarray(want[name]))
        elif want.dtype.kind == "O":
            for g, w in zip(got.ravel(), want.ravel(), strict=True):
                assert_same(g, w)
        else:
            assert np.array_equal(got, want, equal_nan=want.dtype.kind in "fc")
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert_same(got[key], want[key])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    elif isinstance(want, np.generic):
        assert got.dtype == want.dtype and (got == want or (got != got and want != want))
    elif isinstance(want, Decimal):
        assert str(got) == str(want)
    else:
        assert got == want or (got != got and want != want)  # NaN equals NaN here


def numeric_cases() -> dict[str, np.ndarray]:
    cases = {}
    for dtype in ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8", "c8", "c16", "?"]:
        base = (RNG.standard_normal((3, 4)) * 100).astype(dtype)
        if dtype[0] == "c":
            base = base + 1j * base[::-1].real.astype(dtype)
        cases[f"{dtype}-2d"] = base
        cases[f"{dtype}-0d"] = np.array(base[1, 2])
        cases[f"{dtype}-empty"] = base[:0]
        cases[f"{dtype}-fortran"] = np.asfortranarray(base)
        cases[f"{dtype}-view"] = base[::2, 1::2]
    cases["f8-1d"] = np.arange(7.0)
    cases["f8-3d"] = RNG.random((2, 3, 4))
    cases["f8-nan-inf"] = np.array([np.nan, np.inf, -np.inf, -0.0])
    cases["f4-large-tiled"] = RNG.random((300, 500)).astype("f4")
    cases["f8-large-tiled-view"] = RNG.random((700, 400))[::2, ::-1]
    cases["u1-large-tiled"] = RNG.integers(0, 255, (400, 400)).astype("u1")
    cases["c16-large"] = RNG.random((200, 130)) + 1j
    cases["dt64-D"] = np.array(["2020-01-01", "1969-12-31"], dtype="M8[D]")
    cases["dt64-ns-2d"] = np.arange(6).astype("M8[ns]").reshape(2, 3)
    cases["dt64-Y"] = np.array(["2001", "3000"], dtype="M8[Y]")
    return cases


NUMERIC = numeric_cases()


def struct_value() -> np.ndarray:
    s = np.empty((1, 2), dtype=[("a", object), ("b", object)])
    s[0, 0] = (np.ones(3), "x")
    s[0, 1] = (np.zeros((2, 2)), 5.0)
    return s


PLAIN = {
    "str": "héllo wörld",
    "str-empty": "",
    "bytes": b"\x00\xff\x01",
    "int": 12345,
    "int-zero": 0,
    "int-negative": -129,
    "int-big": 2**300 - 11,
    "int-big-negative": -(2**200),
    "float": 1.25,
    "float-nan": float("nan"),
    "bool": True,
    "complex": 1 - 2.5j,
    "none": None,
    "list": [1, "a", None, [2.0, b"x"]],
    "tuple": (1, (2, 3), ()),
    "set": {1, 2, "three"},
    "dict": {"a": 1, 2: "b", (1, 2): None, None: 3.0, 1.5: [1]},
    "decimal": Decimal("-3.14159000"),
    "decimal-nan": Decimal("NaN"),
    "date": datetime.date(2020, 5, 6),
    "datetime": datetime.datetime(2020, 5, 6, 7, 8, 9, 123456),
    "datetime-midnight": datetime.datetime(1999, 12, 31),
    "time": datetime.time(23, 59, 59, 999999),
    "time-midnight": datetime.time(0, 0),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "str-array": np.array(["ab", "c", "déf"]),
    "object-array": objects(1, "a", np.arange(3), None, {"k": 1}),
    "object-array-2d": objects(1.0, "b", [3], (4,), shape=(2, 2)),
    "object-array-empty": np.empty((0, 2), dtype=object),
    "records": np.array([(1, 2.0, "x"), (3, 4.0, "yy")], dtype=[("a", "i4"), ("b", "f8"), ("c", "U3")]),
    "records-nested": np.zeros(3, dtype=[("p", [("x", "f4"), ("y", "i2")]), ("q", "u1")]),
    "records-0d": np.array((1, 2.5), dtype=[("a", "i4"), ("b", "f8")]),
    "np-float32": np.float32(1.5),
    "np-int16": np.int16(-3),
    "np-uint64": np.uint64(2**64 - 1),
    "np-bool": np.bool_(False),
    "np-complex64": np.complex64(1 + 1j),
    "np-datetime64": np.datetime64("2020-01-01T10:00"),
    "np-str": np.str_("abc"),
    "nested": {"x": [np.arange(5), {"y": (np.float64(2), "z", {1, 2})}], "t": (None, [[]])},
    "long-list": list(range(400)),
    "long-string": "abc" * 1000,
}

# What DataJoint's round trip turns a value into, where that is not the value itself.
CHANGED = {
    "bytearray": (bytearray(b"xy"), b"xy"),
    "frozenset": (frozenset({"a", 1}), {"a", 1}),
    "range": (range(3), (0, 1, 2)),
    "aware-datetime": (
        datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.timezone.utc),
        datetime.datetime(2020, 1, 1, 12),
    ),
    "str-array-to-objects": (np.array(["ab", "c"]), objects("ab", "c")),
    "0d-array": (np.array(2.5), np.float64(2.5)),
    "0d-str-array": (np.array("abc"), objects("abc").reshape(())),
    "char-row": (np.frombuffer(b"hello", dtype="S1").copy(), np.array(["hello"])),
    "char-matrix-transposed": (  # DataJoint writes chars in C order but reads them in F order
        np.frombuffer(b"abcd", dtype="S1").reshape(2, 2).copy(),
        np.array([["a", "c"], ["b", "d"]]),
    ),
    "records-to-recarray": (
        np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]).view(np.recarray),
    ),
}


def expected_records(value: np.ndarray) -> np.recarray:
    """Record arrays come back as np.recarray, with str fields as object fields."""
    fields = [(n, "O" if value.dtype[n].kind == "U" else value.dtype[n]) for n in value.dtype.names]
    return np.asarray(value).astype(fields).view(np.recarray)


def expected(value):
    """The value a DataJoint round trip of ``value`` gives."""
    if isinstance(value, np.ndarray) and value.dtype.names:
        return expected_records(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return value.astype(object)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    if isinstance(value, np.str_):
        return str(value)
    if isinstance(value, np.generic) or value is None:
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        items = objects(*[expected(v) for v in value.ravel()])
        empty_cell = isinstance(value, MatCell) and not value.size  # DataJoint: always (0,)
        return items.reshape((0,) if empty_cell else value.shape).view(type(value))
    if isinstance(value, dict):
        return {k: expected(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(expected(v) for v in value)
    return value


@pytest.mark.parametrize("name", sorted(NUMERIC))
def test_numeric_array_round_trips_with_dtype_shape_and_values(name):
    value = NUMERIC[name]
    got = unpack(pack(value))
    assert_same(got, expected(value))


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_python_value_round_trips(name):
    assert_same(unpack(pack(PLAIN[name])), expected(PLAIN[name]))


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_round_trip_changes_types_as_datajoint_does(name):
    value, want = CHANGED[name]
    assert_same(unpack(pack(value)), want)
    assert_same(djblob.unpack(pack(value)), want)


def dj_twin(value):
    """The same value with DataJoint's MatCell / MatStruct classes, for datajoint.blob.pack."""
    if isinstance(value, MatCell):
        twin = objects(*[dj_twin(v) for v in value.ravel(order="F")])
        return twin.reshape(value.shape, order="F").view(djblob.MatCell)
    if isinstance(value, MatStruct):
        return np.asarray(value).view(djblob.MatStruct)
    return value


def cell(*items, shape=None) -> MatCell:
    return objects(*items, shape=shape).view(MatCell)


MATLAB = {
    "cell": cell(1.5, "x", np.arange(3.0)),
    "cell-2d-equal-shapes": cell(np.ones(2), np.ones(2), np.ones(2), np.ones(2), shape=(2, 2)),
    "cell-nested": cell(cell(np.ones((2, 1))), np.array([[1.0, 2.0]])),
    "cell-empty": np.empty((0, 3), dtype=object).view(MatCell),
    "struct": struct_value().view(MatStruct),
    "struct-numeric-fields": np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]).view(MatStruct),
}
BYTE_CASES = {**NUMERIC, **PLAIN, **MATLAB, **{k: v for k, (v, _) in CHANGED.items()}}


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("name", sorted(BYTE_CASES))
def test_bytes_equal_datajoint(name, compress):
    value = BYTE_CASES[name]
    assert pack(value, compress=compress) == djblob.pack(dj_twin(value), compress=compress)


# DataJoint 2.3.5's reader fails on these (object arrays of same-shaped arrays; squeezing
# records whose fields become scalars); joinery reads them, so they are not compared.
DJ_READ_BROKEN = {"cell-2d-equal-shapes"}
DJ_SQUEEZE_BROKEN = {"records-0d", "records-to-recarray"}


@pytest.mark.parametrize("squeeze", [False, True])
@pytest.mark.parametrize("name", sorted(set(BYTE_CASES) - DJ_READ_BROKEN))
def test_unpack_matches_datajoint_on_datajoint_bytes(name, squeeze):
    blob = djblob.pack(dj_twin(BYTE_CASES[name]))
    if squeeze and name in DJ_SQUEEZE_BROKEN:
        assert isinstance(unpack(blob, squeeze=True), np.recarray)
        return
    assert_same(unpack(blob, squeeze=squeeze), djblob.unpack(blob, squeeze=squeeze))


@pytest.mark.parametrize("name", sorted(set(BYTE_CASES) - DJ_READ_BROKEN))
def test_datajoint_reads_joinery_bytes(name):
    blob = pack(BYTE_CASES[name])
    assert_same(djblob.unpack(blob), unpack(blob))


@pytest.mark.parametrize("name", sorted(MATLAB))
def test_matlab_cells_and_structs_round_trip_as_themselves(name):
    value = MATLAB[name]
    got = unpack(pack(value))
    if isinstance(value, MatCell):
        assert_same(got, expected(value))  # an empty cell comes back with shape (0,)
    else:
        assert type(got) is MatStruct and got.shape == value.shape
        for field in value.dtype.names:
            for g, w in zip(got[field].ravel(), value[field].ravel(), strict=True):
                assert_same(g, expected(w))


def test_facade_reexports_the_serializer():
    assert facade_pack is pack and facade_unpack is unpack
    assert unpack(facade_pack([1])) == [1]


def test_header_is_mym_only_for_matlab_readable_values():
    assert pack(np.ones((2, 2)), compress=False)[:4] == b"mYm\0"
    assert pack(objects(np.ones(2)).view(MatCell), compress=False)[:4] == b"mYm\0"
    assert pack(np.array(1.0), compress=False)[:4] == b"dj0\0"
    assert pack(objects(np.ones(2), 1.0).view(MatCell), compress=False)[:4] == b"dj0\0"
    assert pack(np.array(["a"]), compress=False)[:4] == b"dj0\0"


def test_compression_applies_only_to_long_compressible_blobs():
    assert pack(np.zeros(100), compress=True)[:4] == b"mYm\0"  # 845 bytes: too short
    assert pack(np.zeros(1000), compress=True)[:6] == b"ZL123\0"
    noise = RNG.integers(0, 256, 5000).astype("u1")
    assert pack(noise, compress=True)[:4] == b"mYm\0"  # zlib would make it longer
    assert unpack(pack(np.zeros(1000))).shape == (1000,)


def test_float16_round_trips_under_a_joinery_type_id():
    value = np.array([[1.5, -2.0], [np.inf, 0.25]], dtype=np.float16)
    blob = pack(value, compress=False)
    assert blob[:4] == b"dj0\0"
    assert_same(unpack(blob), value)
    with pytest.raises(djerrors.DataJointError, match="float16"):
        djblob.pack(value)  # DataJoint cannot write these at all


def test_big_endian_arrays_pack_as_their_little_endian_value():
    value = np.arange(6, dtype=">i4").reshape(2, 3)
    assert pack(value) == djblob.pack(value.astype("<i4"))
    assert_same(unpack(pack(value)), value.astype("<i4"))


def test_unpacked_arrays_are_read_only_views_independent_of_a_mutable_blob():
    blob = bytearray(pack(np.arange(4.0), compress=False))
    got = unpack(blob)
    with pytest.raises(ValueError, match="read-only"):
        got[0] = 99.0  # as DataJoint's: a view of the stored bytes, not a copy
    blob[-8:] = bytes(8)
    assert got.tolist() == [0.0, 1.0, 2.0, 3.0]
    writable = got.copy()
    writable[0] = 99.0
    assert writable.tolist() == [99.0, 1.0, 2.0, 3.0]


def test_unpack_accepts_memoryview_and_bytearray_and_none():
    blob = pack({"a": np.arange(3)})
    for form in (memoryview(blob), bytearray(blob)):
        assert_same(unpack(form), {"a": np.arange(3)})
    assert unpack(None) is None


def test_complex_parts_are_kept_exactly():
    value = np.array([complex(1, np.inf), complex(-0.0, np.nan)])
    got = unpack(pack(value))
    assert np.array_equal(got.real, value.real) and np.signbit(got.real[1])
    assert got.imag[0] == np.inf and np.isnan(got.imag[1])


def test_object_arrays_of_same_shaped_arrays_round_trip():
    value = objects(np.arange(2), np.arange(2), [1, 2], (3, 4))
    assert_same(unpack(pack(value)), expected(value))


def test_records_with_subarray_fields_round_trip():
    value = np.zeros(2, dtype=[("a", "f4", (3,)), ("b", "i8")])
    value["a"] = [[1, 2, 3], [4, 5, 6]]
    got = unpack(pack(value))
    assert got.dtype == value.dtype and got.shape == (2,)
    assert got["a"].tolist() == [[1, 2, 3], [4, 5, 6]]


def matlab_blob(body: bytes) -> bytes:
    return b"mYm\0" + body


def matlab_array(shape, type_id, data: bytes, is_complex=0) -> bytes:
    return b"A" + struct.pack(f"<Q{len(shape)}QII", len(shape), *shape, type_id, is_complex) + data


def test_reads_matlab_char_row_as_one_string():
    text = "héllo"
    blob = matlab_blob(matlab_array((1, 5), 4, text.encode("utf-16-le")))
    assert_same(unpack(blob), np.array(["héllo"]))
    assert unpack(blob, squeeze=True) == "héllo"


def test_reads_matlab_char_matrix_column_major():
    blob = matlab_blob(matlab_array((2, 2), 4, "acbd".encode("utf-16-le")))
    assert unpack(blob).tolist() == [["a", "b"], ["c", "d"]]


def test_reads_matlab_struct_and_cell():
    value = matlab_array((1, 1), 6, struct.pack("<d", 2.0))
    framed = struct.pack("<Q", len(value)) + value
    s = unpack(matlab_blob(b"S" + struct.pack("<3QI", 2, 1, 1, 2) + b"x\0y\0" + framed + framed))
    assert isinstance(s, MatStruct) and s.shape == (1, 1) and s.dtype.names == ("x", "y")
    assert s[0, 0]["y"].tolist() == [[2.0]]
    c = unpack(matlab_blob(b"C" + struct.pack("<3Q", 2, 1, 2) + framed + framed), squeeze=True)
    assert isinstance(c, MatCell) and c.shape == (2,) and c[1] == 2.0


def test_reads_old_datajoint_scalar_arrays_and_complex_matlab_ints():
    scalar = b"dj0\0" + matlab_array((), 14, struct.pack("<q", -7))
    assert_same(unpack(scalar), np.int64(-7))
    complex_ints = matlab_blob(matlab_array((1, 2), 10, struct.pack("<4h", 1, 2, 3, 4), is_complex=1))
    assert unpack(complex_ints).tolist() == [[1 + 3j, 2 + 4j]]


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"", "Not a DataJoint blob"),
        (b"xyz\0A", "Not a DataJoint blob"),
        (b"ZL123\0\x05", "truncated"),
        (b"ZL123\0" + struct.pack("<Q", 99) + zlib.compress(b"dj0\0\xff"), "declares 99"),
        (b"ZL123\0" + struct.pack("<Q", 5) + b"not zlib", "zlib"),
        (b"dj0\0", "truncated"),
        (b"dj0\0\x99", "unknown structure code"),
        (b"dj0\0P", "sparse"),
        (b"dj0\0\xff\xff", "ends at byte"),
        (b"mYm\0" + matlab_array((2,), 99, b""), "unknown type id"),
        (b"dj0\0" + struct.pack("<BQ", 2, 2**60), "truncated"),
        (b"dj0\0" + struct.pack("<BQ", 5, 2) + b"\xff\xfe", "corrupt"),
        (b"dj0\0" + struct.pack("<BQQ", 1, 1, 5) + b"\xff", "declared 5"),
        (b"dj0\0F\x01\0\0\0abc", "no terminating zero"),
        (b"dj0\0t" + struct.pack("<iq", 20201340, -1), "corrupt"),
    ],
)
def test_malformed_blobs_raise_datajoint_error(blob, message):
    with pytest.raises(DataJointError, match=f"(?i){message}"):
        unpack(blob)


@pytest.mark.parametrize("name", ["f8-3d", "nested", "struct", "records", "dict", "c16-2d"])
def test_every_truncation_raises_datajoint_error(name):
    blob = pack(BYTE_CASES[name], compress=False)
    for cut in range(len(blob) - 1, 0, -max(1, len(blob) // 97)):
        with pytest.raises(DataJointError):
            unpack(blob[:cut])


def test_unsupported_values_raise_datajoint_error():
    with pytest.raises(DataJointError, match="Cannot pack a value of type"):
        pack(object())
    with pytest.raises(DataJointError, match="dtype timedelta64"):
        pack(np.arange(3).astype("m8[s]"))
    with pytest.raises(DataJointError, match="65535 bytes"):
        pack(2 ** (8 * 70000))
