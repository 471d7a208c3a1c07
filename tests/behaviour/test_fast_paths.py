"""The fast paths of insert and fetch give what the general paths give.

Many rows in one insert() may take a bulk load (PostgreSQL's COPY); one row
outside a transaction goes without BEGIN/COMMIT; undecoded rows become a
record array or a DataFrame in one step; same-shaped blobs are read by a
shortcut. Each test checks the result, and the refusals, are the same.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import numpy as np
import pytest

import joinery as dj
from joinery import errors

MANY = 1_500  # above the size from which a bulk load is used


@pytest.fixture
def mixed(schema):
    @schema
    class Mixed(dj.Manual):
        definition = """
        item_id : int32
        ---
        token : uuid
        day : date
        price : decimal(8,2)
        flag : bool
        info : json
        label : varchar(8)
        score = null : float64
        count = null : int32
        payload : <blob>
        """

    return Mixed


def _mixed_row(i: int) -> dict:
    return {
        "item_id": i,
        "token": uuid.UUID(int=i + 1),
        "day": dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
        "price": decimal.Decimal(i) / 4,
        "flag": i % 2 == 0,
        "info": {"i": i, "tags": ["a", "b"]},
        "label": f"L{i % 1000}",
        "score": float("nan") if i % 7 == 0 else i / 3,
        "count": None if i % 5 == 0 else float(i),  # whole floats, as pandas makes of ints with gaps
        "payload": np.full((2, 3), i, dtype=np.int16),
    }


def test_bulk_insert_round_trips_every_type_as_a_small_insert_does(mixed):
    rows = [_mixed_row(i) for i in range(MANY)]
    mixed.insert(rows)
    mixed.insert1(_mixed_row(MANY))
    fetched = {r["item_id"]: r for r in mixed.to_dicts()}
    assert len(fetched) == MANY + 1
    for i in (0, 1, 7, 10, MANY - 1, MANY):
        row, want = fetched[i], _mixed_row(i)
        assert row["token"] == want["token"] and row["day"] == want["day"]
        assert row["price"] == want["price"] and row["flag"] == want["flag"]
        assert row["info"] == want["info"] and row["label"] == want["label"]
        assert (row["score"] is None) if i % 7 == 0 else row["score"] == pytest.approx(want["score"])
        assert row["count"] == (None if i % 5 == 0 else i)
        np.testing.assert_array_equal(row["payload"], want["payload"])


def test_bulk_insert_with_a_duplicate_key_writes_nothing(mixed):
    rows = [_mixed_row(i) for i in range(MANY)]
    rows.append(_mixed_row(3))
    with pytest.raises(errors.DuplicateError, match="skip_duplicates"):
        mixed.insert(rows)
    assert len(mixed) == 0


def test_bulk_insert_of_a_too_long_string_names_the_attribute(mixed):
    rows = [_mixed_row(i) for i in range(MANY)]
    rows[900]["label"] = "much too long"
    with pytest.raises(errors.DataTypeError, match="label"):
        mixed.insert(rows)
    assert len(mixed) == 0


def test_bulk_insert_refuses_a_fraction_for_an_integer(mixed):
    rows = [_mixed_row(i) for i in range(MANY)]
    rows[1001]["count"] = 2.5
    with pytest.raises(errors.DataTypeError, match="count"):
        mixed.insert(rows)
    assert len(mixed) == 0


def test_bulk_insert_fills_defaults_for_missing_values(schema):
    @schema
    class Tagged(dj.Manual):
        definition = """
        tag_id : int32
        ---
        tag = 'none' : varchar(8)
        """

    Tagged.insert([{"tag_id": i, "tag": None if i % 2 else "set"} for i in range(MANY)])
    tags = Tagged.to_arrays("tag", order_by="tag_id")
    assert list(tags[:4]) == ["set", "none", "set", "none"]


def test_insert1_outside_a_transaction_is_atomic_and_explains_refusals(mixed):
    mixed.insert1(_mixed_row(1))
    with pytest.raises(errors.DuplicateError, match="skip_duplicates"):
        mixed.insert1(_mixed_row(1))
    mixed.insert1(_mixed_row(1), skip_duplicates=True)
    assert len(mixed) == 1


def test_insert1_inside_a_cancelled_transaction_leaves_nothing(mixed, connection):
    with pytest.raises(RuntimeError), connection.transaction:
        mixed.insert1(_mixed_row(1))
        raise RuntimeError("cancel")
    assert len(mixed) == 0


def test_insert_of_rows_with_different_keys_groups_them(schema):
    @schema
    class Note(dj.Manual):
        definition = """
        note_id : int32
        ---
        text = null : varchar(16)
        """

    Note.insert([{"note_id": 1, "text": "a"}, {"note_id": 2}, {"text": "c", "note_id": 3}])
    assert Note.to_dicts(order_by="note_id") == [
        {"note_id": 1, "text": "a"},
        {"note_id": 2, "text": None},
        {"note_id": 3, "text": "c"},
    ]


def test_to_arrays_keeps_nulls_as_nan_and_none(schema):
    @schema
    class Reading(dj.Manual):
        definition = """
        reading_id : int32
        ---
        value = null : float64
        level = null : int32
        """

    Reading.insert([(1, 1.5, 2), (2, None, None)])
    records = Reading.to_arrays(order_by="reading_id")
    assert records["value"][0] == 1.5 and np.isnan(records["value"][1])
    assert records["level"].dtype == object and list(records["level"]) == [2, None]
    frame = Reading.to_pandas()
    assert frame.loc[2].isna().all() and frame.loc[1, "level"] == 2


def test_blobs_of_equal_length_but_other_layouts_decode_each_on_its_own(schema):
    @schema
    class Shape(dj.Manual):
        definition = """
        shape_id : int32
        ---
        data : <blob>
        """

    arrays = [
        np.arange(16, dtype=np.float32).reshape(4, 4),
        np.arange(16, dtype=np.float32).reshape(4, 4) * 2,
        np.arange(16, dtype=np.float32).reshape(2, 8),
        np.arange(16, dtype=np.int32).reshape(4, 4),
        np.arange(16, dtype=np.float32).reshape(4, 4, order="F"),
        [1, 2, 3],
    ]
    Shape.insert([{"shape_id": i, "data": a} for i, a in enumerate(arrays)])
    data = Shape.to_arrays("data", order_by="shape_id")
    for got, want in zip(data, arrays, strict=True):
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            assert not got.flags.writeable  # a view of the fetched bytes, as DataJoint gives
        else:
            assert list(got) == want


def test_same_shaped_blobs_stack_into_one_array(schema):
    @schema
    class Frame(dj.Manual):
        definition = """
        frame_id : int32
        ---
        image : <blob>
        """

    images = [np.random.default_rng(i).random((3, 5)).astype(np.float32) for i in range(50)]
    Frame.insert([{"frame_id": i, "image": a} for i, a in enumerate(images)])
    stacked = Frame.to_arrays("image", order_by="frame_id")
    assert stacked.shape == (50, 3, 5) and stacked.dtype == np.float32
    np.testing.assert_array_equal(stacked, np.array(images))


@pytest.mark.parametrize(
    "shape, dtype", [((4,), np.int16), ((3, 5), np.float64), ((2, 3, 4), np.uint8), ((1, 6), np.float32)]
)
def test_stacked_blobs_equal_numpys_stack_of_the_decoded_arrays(schema, shape, dtype):
    @schema
    class Trace(dj.Manual):
        definition = """
        trace_id : int32
        ---
        trace : <blob>
        """

    size = int(np.prod(shape))
    arrays = [(np.arange(size) * (i + 1)).astype(dtype).reshape(shape) for i in range(7)]
    arrays[2] = np.asfortranarray(arrays[2])
    Trace.insert([{"trace_id": i, "trace": a} for i, a in enumerate(arrays)])
    stacked = Trace.to_arrays("trace", order_by="trace_id")
    assert stacked.shape == (7, *shape) and stacked.dtype == dtype
    np.testing.assert_array_equal(stacked, np.array(arrays))
    legacy = Trace.fetch("trace", order_by="trace_id")
    np.testing.assert_array_equal(legacy, np.array(arrays))
    stacked[0] = 0  # a new array: the caller's own
    row = (Trace & {"trace_id": 0}).fetch1("trace")
    np.testing.assert_array_equal(row, arrays[0])


def test_a_column_with_a_null_or_another_layout_is_not_stacked_blindly(schema):
    @schema
    class Mixed(dj.Manual):
        definition = """
        mixed_id : int32
        ---
        value = null : <blob>
        """

    same = [np.full((2, 2), i, dtype=np.int32) for i in range(3)]
    Mixed.insert([{"mixed_id": i, "value": a} for i, a in enumerate(same)])
    Mixed.insert1({"mixed_id": 3, "value": np.full((1, 4), 3, dtype=np.int32)})  # same length, other header
    Mixed.insert1({"mixed_id": 4})
    values = Mixed.to_arrays("value", order_by="mixed_id")
    assert values.dtype == object and values[4] is None
    assert values[3].shape == (1, 4) and values[3].tolist() == [[3, 3, 3, 3]]
    assert [v.tolist() for v in values[:3]] == [a.tolist() for a in same]


@pytest.fixture
def reading(schema):
    @schema
    class Reading(dj.Manual):
        definition = """
        sensor : varchar(8)
        reading_id : int32
        ---
        value : float64
        note = null : varchar(20)
        raw = null : <blob>
        """

    Reading.insert(
        [
            {"sensor": "a", "reading_id": 1, "value": 1.5, "note": "first", "raw": np.arange(3)},
            {"sensor": "a", "reading_id": 2, "value": 2.5, "note": None},
            {"sensor": "b", "reading_id": 1, "value": 3.5, "note": "other"},
        ]
    )
    return Reading


def test_fetch1_by_key_dict_reads_the_row_of_that_key(reading):
    key = {"sensor": "a", "reading_id": 1}
    assert (reading & key).fetch1("value") == 1.5
    assert (reading & key).fetch1("value", "note") == (1.5, "first")
    assert (reading & key).fetch1("KEY") == key
    row = (reading & key).fetch1()
    assert row["note"] == "first" and row["raw"].tolist() == [0, 1, 2]
    assert (reading & {"sensor": "b", "reading_id": np.int64(1), "unrelated": 7}).fetch1("value") == 3.5


def test_a_key_restriction_keeps_the_key_as_it_was_when_restricted(reading):
    key = {"sensor": "a", "reading_id": 1}
    query = reading & key
    key["reading_id"] = 2
    assert query.fetch1("value") == 1.5
    assert len(query) == 1 and query.fetch("value").tolist() == [1.5]


def test_fetch1_by_key_refuses_no_row_and_many_rows(reading):
    with pytest.raises(errors.DataJointError, match="no rows"):
        (reading & {"sensor": "z", "reading_id": 1}).fetch1()
    with pytest.raises(errors.DataJointError, match="more than one row"):
        (reading & {"sensor": "a"}).fetch1("value")
    with pytest.raises(errors.DataJointError, match="not in the query"):
        (reading & {"sensor": "a", "reading_id": 1}).fetch1("nothing")


def test_a_key_with_none_matches_null(reading):
    assert (reading & {"sensor": "a", "note": None}).fetch1("reading_id") == 2


def test_a_key_restricted_table_restricts_further_and_deletes_only_its_rows(reading):
    query = reading & {"sensor": "a"}
    assert (query & "value > 2").fetch1("reading_id") == 2
    assert (query - {"reading_id": 1}).fetch1("value") == 2.5
    assert len(query * reading.proj(other="value")) == 2
    (reading & {"sensor": "a", "reading_id": 2}).delete_quick()
    assert sorted(reading.fetch("value").tolist()) == [1.5, 3.5]
