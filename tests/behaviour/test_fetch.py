"""Reading query results: fetch, fetch1, to_arrays, to_dicts, to_pandas, keys, head, tail.

Return shapes and dtypes follow DataJoint 2.3.5: record arrays hold int64 for
non-nullable integers, float64 for every float (NULL as NaN) and objects for
everything else; ``fetch('a')`` / ``to_arrays('a')`` build each array from the
values with ``numpy.array`` (strings become ``<U``, equal-shaped blobs stack).
"""

from __future__ import annotations

import datetime
import decimal
import uuid

import numpy as np
import pytest

import joinery as dj

NAMES = ["ann", "bob", "cyd", "dee", "eve", "fay", "gus"]


def person_rows() -> list[dict]:
    """Seven people; every third one has NULL weight and age."""
    rows = []
    for i, name in enumerate(NAMES):
        rows.append(
            {
                "person_id": 10 - i,  # inserted out of key order on purpose
                "name": name,
                "height": 150.0 + 5 * i,
                "weight": None if i % 3 == 0 else 50.0 + i,
                "age": None if i % 3 == 0 else 20 + (i * 7) % 11,
                "visits": i * i,
                "photo": np.arange(6, dtype=np.float64).reshape(2, 3) * i,
            }
        )
    return rows


@pytest.fixture
def Person(schema):
    @schema
    class Person(dj.Manual):
        definition = """
        # people in the study
        person_id : int32          # the id
        ---
        name : varchar(30)
        height : float64
        weight = null : float32
        age = null : int16
        visits : int64
        photo = null : <blob>
        """

    Person.insert(person_rows())
    return Person


def by_id() -> dict[int, dict]:
    return {row["person_id"]: row for row in person_rows()}


# -- fetch() -----------------------------------------------------------------------------------


def test_fetch_returns_structured_array_of_every_attribute(Person):
    result = Person.fetch()
    assert type(result) is np.ndarray  # a plain structured array, as DataJoint 2.x returns
    assert result.dtype.names == ("person_id", "name", "height", "weight", "age", "visits", "photo")
    assert len(result) == len(NAMES)
    expected = by_id()
    for record in result:
        row = expected[record["person_id"]]
        assert record["name"] == row["name"]
        assert record["height"] == row["height"]
        assert record["visits"] == row["visits"]
        np.testing.assert_array_equal(record["photo"], row["photo"])


def test_fetch_dtypes_follow_datajoint(Person):
    dtype = Person.fetch().dtype
    assert dtype["person_id"] == np.int64
    assert dtype["visits"] == np.int64
    assert dtype["height"] == np.float64
    assert dtype["weight"] == np.float64  # nullable float32 is still float64 (NULL as NaN)
    assert dtype["age"].kind == "O"  # nullable integers are objects (NULL as None)
    assert dtype["name"].kind == "O"
    assert dtype["photo"].kind == "O"


def test_fetch_nulls_are_nan_for_floats_and_none_otherwise(Person):
    result = Person.fetch(order_by="KEY")
    nulls = {row["person_id"] for row in person_rows() if row["weight"] is None}
    for record in result:
        if record["person_id"] in nulls:
            assert np.isnan(record["weight"])
            assert record["age"] is None
        else:
            assert not np.isnan(record["weight"])
            assert isinstance(record["age"], int)


def test_fetch_of_empty_query_keeps_the_dtype(Person):
    result = (Person & "person_id > 1000").fetch()
    assert len(result) == 0
    assert result.dtype == Person.fetch().dtype


def test_fetch_as_dict_gives_one_dict_per_row_in_heading_order(Person):
    rows = Person.fetch(as_dict=True, order_by="KEY")
    assert [list(row) for row in rows] == [
        ["person_id", "name", "height", "weight", "age", "visits", "photo"]
    ] * 7
    expected = sorted(person_rows(), key=lambda r: r["person_id"])
    for got, want in zip(rows, expected):
        assert {k: got[k] for k in ("person_id", "name", "height", "age", "visits")} == {
            k: want[k] for k in ("person_id", "name", "height", "age", "visits")
        }
        assert got["weight"] == want["weight"]  # None stays None in dicts


def test_fetch_one_attribute_gives_an_array(Person):
    names = Person.fetch("name", order_by="KEY")
    assert isinstance(names, np.ndarray)
    assert names.dtype.kind == "U"  # numpy's own choice for strings, as in DataJoint
    assert names.tolist() == [r["name"] for r in sorted(person_rows(), key=lambda r: r["person_id"])]


def test_fetch_several_attributes_gives_a_tuple_of_aligned_arrays(Person):
    ids, heights, visits = Person.fetch("person_id", "height", "visits")
    assert ids.dtype == np.int64 and heights.dtype == np.float64 and visits.dtype == np.int64
    expected = by_id()
    for i, h, v in zip(ids, heights, visits):
        assert expected[i]["height"] == h
        assert expected[i]["visits"] == v


def test_fetch_nullable_attribute_keeps_none(Person):
    ages = Person.fetch("age", order_by="KEY")
    assert ages.dtype == object
    expected = [r["age"] for r in sorted(person_rows(), key=lambda r: r["person_id"])]
    assert ages.tolist() == expected


def test_fetch_key_gives_primary_key_dicts(Person):
    keys = Person.fetch("KEY", order_by="KEY")
    assert keys == [{"person_id": i} for i in sorted(by_id())]


def test_fetch_key_and_attribute_gives_keys_and_array(Person):
    keys, names = Person.fetch("KEY", "name")
    assert isinstance(keys, list) and isinstance(names, np.ndarray)
    expected = by_id()
    assert [expected[k["person_id"]]["name"] for k in keys] == names.tolist()


def test_fetch_attributes_as_dict_includes_the_primary_key(Person):
    rows = Person.fetch("name", as_dict=True, order_by="KEY")
    assert rows[0] == {"person_id": 4, "name": "gus"}


def test_fetch_format_frame_is_indexed_by_primary_key(Person):
    frame = Person.fetch(format="frame")
    assert list(frame.index.names) == ["person_id"]
    assert list(frame.columns) == ["name", "height", "weight", "age", "visits", "photo"]
    assert frame.loc[10, "name"] == "ann"


def test_fetch_format_frame_refuses_attributes(Person):
    with pytest.raises(dj.DataJointError):
        Person.fetch("name", format="frame")


def test_fetch_unknown_attribute_raises(Person):
    with pytest.raises(dj.DataJointError, match="nope"):
        Person.fetch("nope")


def test_fetch_blobs_come_back_as_inserted(Person):
    photos = Person.fetch("photo", order_by="KEY")
    expected = [r["photo"] for r in sorted(person_rows(), key=lambda r: r["person_id"])]
    assert len(photos) == len(expected)
    for got, want in zip(photos, expected):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_fetch_of_equal_shaped_blobs_stacks_them_as_datajoint_does(Person):
    photos = Person.fetch("photo", order_by="KEY")
    assert photos.shape == (7, 2, 3) and photos.dtype == np.float64
    np.testing.assert_array_equal(photos[-1], by_id()[10]["photo"])


def test_fetch_blobs_of_different_shapes_give_an_object_array(schema):
    @schema
    class Signal(dj.Manual):
        definition = """
        sig : int16
        ---
        trace : <blob>
        """

    traces = [np.arange(3), np.ones((2, 2), dtype=np.int32), np.array([1.5 + 2j])]
    Signal.insert({"sig": i, "trace": t} for i, t in enumerate(traces))
    got = Signal.fetch("trace", order_by="sig")
    assert got.dtype == object and got.shape == (3,)
    for g, t in zip(got, traces):
        assert g.dtype == t.dtype and g.shape == t.shape
        np.testing.assert_array_equal(g, t)


# -- fetch1 ----------------------------------------------------------------------------------


def test_fetch1_returns_the_row_as_a_dict(Person):
    row = (Person & {"person_id": 9}).fetch1()
    want = by_id()[9]
    assert list(row) == ["person_id", "name", "height", "weight", "age", "visits", "photo"]
    assert row["name"] == want["name"] and row["age"] == want["age"] and row["weight"] == want["weight"]
    np.testing.assert_array_equal(row["photo"], want["photo"])


def test_fetch1_of_nulls_gives_none(Person):
    row = (Person & {"person_id": 10}).fetch1()
    assert row["weight"] is None and row["age"] is None


def test_fetch1_one_attribute_gives_the_value(Person):
    assert (Person & "person_id = 8").fetch1("name") == "cyd"


def test_fetch1_several_attributes_gives_a_tuple(Person):
    name, visits = (Person & {"person_id": 7}).fetch1("name", "visits")
    assert (name, visits) == ("dee", 9)


def test_fetch1_key(Person):
    assert (Person & {"name": "eve"}).fetch1("KEY") == {"person_id": 6}
    key, name = (Person & {"person_id": 6}).fetch1("KEY", "name")
    assert key == {"person_id": 6} and name == "eve"


def test_fetch1_blob_is_the_inserted_array(Person):
    photo = (Person & {"person_id": 5}).fetch1("photo")
    np.testing.assert_array_equal(photo, by_id()[5]["photo"])
    assert photo.dtype == np.float64


@pytest.mark.parametrize("restriction", ["person_id > 1000", "person_id < 9"])
def test_fetch1_needs_exactly_one_row(Person, restriction):
    query = Person & restriction
    with pytest.raises(dj.DataJointError):
        query.fetch1()
    with pytest.raises(dj.DataJointError):
        query.fetch1("name")
    with pytest.raises(dj.DataJointError):
        query.fetch1("KEY")


# -- to_arrays, to_dicts, to_pandas, keys, head, tail ---------------------------------------------


def test_to_arrays_without_attributes_is_the_record_array(Person):
    records = Person.to_arrays(order_by="KEY")
    assert records.dtype == Person.fetch().dtype
    assert records["person_id"].tolist() == sorted(by_id())


def test_to_arrays_with_attributes(Person):
    names, heights = Person.to_arrays("name", "height", order_by="height DESC")
    assert heights.tolist() == sorted((r["height"] for r in person_rows()), reverse=True)
    expected = {r["height"]: r["name"] for r in person_rows()}
    assert names.tolist() == [expected[h] for h in heights]


def test_to_arrays_include_key_prepends_key_dicts(Person):
    keys, names = Person.to_arrays("name", include_key=True, order_by="KEY")
    assert keys == Person.keys(order_by="KEY")
    assert names.tolist() == [by_id()[k["person_id"]]["name"] for k in keys]


def test_to_dicts(Person):
    rows = Person.to_dicts(order_by="KEY", limit=2)
    assert [(r["person_id"], r["name"]) for r in rows] == [(4, "gus"), (5, "fay")]


def test_to_pandas_is_indexed_by_primary_key(Person):
    frame = Person.to_pandas()
    assert frame.index.name == "person_id"
    assert sorted(frame.index) == sorted(by_id())
    assert frame.loc[6, "visits"] == 16
    assert frame["height"].dtype == np.float64


def test_keys_gives_only_the_primary_key(Person):
    assert Person.keys(order_by="KEY DESC", limit=3) == [
        {"person_id": 10},
        {"person_id": 9},
        {"person_id": 8},
    ]


def test_head_and_tail_follow_primary_key_order(Person):
    assert [r["person_id"] for r in Person.head(3)] == [4, 5, 6]
    assert [r["person_id"] for r in Person.tail(2)] == [9, 10]
    assert len(Person.head()) == 7


# -- order_by, limit, offset -------------------------------------------------------------------


def test_order_by_attribute_descending(Person):
    ids = Person.fetch("person_id", order_by="height DESC")
    assert ids.tolist() == [r["person_id"] for r in sorted(person_rows(), key=lambda r: -r["height"])]


def test_order_by_several_attributes(Person):
    got = Person.to_dicts(order_by=["age DESC", "name"])
    # NULLs sort first ascending on SQLite and MySQL, so last when descending
    with_age = sorted(
        (r for r in person_rows() if r["age"] is not None), key=lambda r: (-r["age"], r["name"])
    )
    assert [r["name"] for r in got[: len(with_age)]] == [r["name"] for r in with_age]


def test_order_by_key_descending_and_comma_list(Person):
    assert Person.fetch("person_id", order_by="KEY DESC").tolist() == sorted(by_id(), reverse=True)
    assert Person.fetch("name", order_by="visits DESC, name").tolist()[0] == "gus"


def test_limit_and_offset(Person):
    ordered = sorted(by_id())
    assert Person.fetch("person_id", order_by="KEY", limit=3, offset=2).tolist() == ordered[2:5]
    assert Person.fetch("person_id", order_by="KEY", offset=5).tolist() == ordered[5:]
    assert len(Person.fetch(limit=4)) == 4


def test_order_by_unknown_attribute_raises(Person):
    with pytest.raises(dj.DataJointError):
        Person.fetch(order_by="nope")


# -- len, bool, in, iteration ----------------------------------------------------------------


def test_len_and_bool(Person):
    assert len(Person()) == 7
    assert len(Person & "age > 25") == sum(1 for r in person_rows() if r["age"] is not None and r["age"] > 25)
    assert bool(Person())
    assert not (Person & "person_id < 0")


def test_contains(Person):
    assert {"person_id": 7} in Person()
    assert {"person_id": 70} not in Person()
    assert "name = 'bob'" in Person()


def test_iteration_yields_dicts(Person):
    rows = list(Person & "person_id < 6")
    assert sorted(r["person_id"] for r in rows) == [4, 5]
    assert all(isinstance(r, dict) and "photo" in r for r in rows)


# -- other types come back as Python values -------------------------------------------------------


def test_core_types_round_trip(schema):
    @schema
    class Everything(dj.Manual):
        definition = """
        item : int16
        ---
        flag : bool
        price : decimal(6,2)
        day : date
        moment : datetime
        uid : uuid
        doc : json
        raw : bytes
        color : enum('red', 'green')
        """

    row = {
        "item": 1,
        "flag": True,
        "price": decimal.Decimal("12.50"),
        "day": datetime.date(2024, 2, 29),
        "moment": datetime.datetime(2024, 2, 29, 13, 45, 1),
        "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "doc": {"a": [1, 2], "b": None},
        "raw": b"\x00\x01",
        "color": "green",
    }
    Everything.insert1(row)
    got = Everything.fetch1()
    assert got == row
    assert (Everything & {"uid": row["uid"]}).fetch1("item") == 1
    assert (Everything & {"day": row["day"]}).fetch1("color") == "green"
