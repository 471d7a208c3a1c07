"""Writing rows: insert1/insert with every accepted row shape and option, and every refused input.

A refused insert raises an error of the right class and writes nothing of
that call: each bad-input test checks the table is unchanged afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pandas as pd
import pytest

import joinery as dj
from joinery import errors


@pytest.fixture
def subject(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        weight = null : float64
        sex = 'U' : enum('F', 'M', 'U')
        """

    return Subject


@pytest.fixture
def session(schema, subject):
    Subject = subject  # noqa: F841 - resolved by name in the definition

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        ---
        started = null : datetime
        """

    subject.insert([(1, "ann", 20.5, "F"), (2, "bob", None, "M")])
    return Session


def _rows(table):
    return table.to_dicts(order_by=table.primary_key)


# -- row shapes ---------------------------------------------------------------------------


def test_insert1_takes_a_dict(subject):
    subject.insert1({"subject_id": 1, "name": "ann", "weight": 20.5, "sex": "F"})
    assert subject.fetch1() == {"subject_id": 1, "name": "ann", "weight": 20.5, "sex": "F"}


def test_insert1_takes_a_sequence_in_heading_order(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    subject.insert1([2, "bob", None, "M"])
    assert _rows(subject) == [
        {"subject_id": 1, "name": "ann", "weight": 20.5, "sex": "F"},
        {"subject_id": 2, "name": "bob", "weight": None, "sex": "M"},
    ]


def test_insert_takes_dicts_with_different_attributes(subject):
    subject.insert([{"subject_id": 1, "name": "ann"}, {"subject_id": 2, "name": "bob", "weight": 3.0}])
    assert _rows(subject) == [
        {"subject_id": 1, "name": "ann", "weight": None, "sex": "U"},
        {"subject_id": 2, "name": "bob", "weight": 3.0, "sex": "U"},
    ]


def test_insert_takes_a_generator(subject):
    subject.insert({"subject_id": i, "name": f"s{i}"} for i in range(5))
    assert len(subject) == 5


def test_insert_of_nothing_writes_nothing(subject):
    subject.insert([])
    assert len(subject) == 0


def test_insert_takes_a_numpy_record_array(subject):
    records = np.array(
        [(1, "ann", 20.5, "F"), (2, "bob", 30.0, "M")],
        dtype=[("subject_id", "i4"), ("name", "U16"), ("weight", "f8"), ("sex", "U1")],
    )
    subject.insert(records)
    subject.insert1(np.array([(3, "cy", 1.0, "U")], dtype=records.dtype)[0])
    assert _rows(subject)[1] == {"subject_id": 2, "name": "bob", "weight": 30.0, "sex": "M"}
    assert len(subject) == 3


def test_fetched_records_insert_into_another_table(schema, subject):
    subject.insert([(1, "ann", 20.5, "F"), (2, "bob", None, "M")])

    @schema
    class Backup(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        weight = null : float64
        sex = 'U' : enum('F', 'M', 'U')
        """

    Backup.insert(subject.fetch())
    assert _rows(Backup) == _rows(subject)


def test_insert_takes_a_dataframe(subject):
    frame = pd.DataFrame({"subject_id": [1, 2], "name": ["ann", "bob"], "weight": [20.5, 21.0]})
    subject.insert(frame)
    assert _rows(subject) == [
        {"subject_id": 1, "name": "ann", "weight": 20.5, "sex": "U"},
        {"subject_id": 2, "name": "bob", "weight": 21.0, "sex": "U"},
    ]


def test_insert_takes_a_dataframe_indexed_by_the_key(subject):
    frame = pd.DataFrame({"subject_id": [1, 2], "name": ["ann", "bob"]}).set_index("subject_id")
    subject.insert(frame)
    assert list(subject.fetch("name", order_by="subject_id")) == ["ann", "bob"]
    copy = subject.fetch(format="frame")
    subject.delete_quick()
    subject.insert(copy)
    assert list(subject.fetch("name", order_by="subject_id")) == ["ann", "bob"]


def test_dataframe_with_missing_values(schema):
    @schema
    class Visit(dj.Manual):
        definition = """
        visit : int16
        ---
        when = null : datetime
        score = null : float64
        note = null : varchar(20)
        """

    frame = pd.DataFrame(
        {
            "visit": [1, 2],
            "when": pd.to_datetime(["2024-01-02 03:04:05", None]),
            "score": [1.5, np.nan],
            "note": ["ok", None],
        }
    )
    Visit.insert(frame)
    assert _rows(Visit) == [
        {"visit": 1, "when": dt.datetime(2024, 1, 2, 3, 4, 5), "score": 1.5, "note": "ok"},
        {"visit": 2, "when": None, "score": None, "note": None},
    ]


def test_datetime_keeps_the_declared_fraction_of_a_second(schema):
    @schema
    class Stamp(dj.Manual):
        definition = """
        stamp : int16
        ---
        whole : datetime
        milli : datetime(3)
        micro : datetime(6)
        """

    moment = dt.datetime(2024, 1, 2, 3, 4, 5, 678901)
    Stamp.insert1({"stamp": 1, "whole": moment, "milli": moment, "micro": moment})
    # rounded half up, as MySQL stores them
    assert Stamp.fetch1("whole", "milli", "micro") == (
        dt.datetime(2024, 1, 2, 3, 4, 6),
        dt.datetime(2024, 1, 2, 3, 4, 5, 679000),
        moment,
    )


def test_insert_from_a_query(schema, subject):
    subject.insert([(1, "ann", 20.5, "F"), (2, "bob", None, "M"), (3, "cy", 5.0, "M")])

    @schema
    class Male(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        """

    Male.insert((subject & "sex = 'M'").proj("name"))
    assert _rows(Male) == [{"subject_id": 2, "name": "bob"}, {"subject_id": 3, "name": "cy"}]
    with pytest.raises(errors.UnknownAttributeError):
        Male.insert(subject & {"subject_id": 1})
    Male.insert(subject & {"subject_id": 1}, ignore_extra_fields=True)
    assert len(Male) == 3
    with pytest.raises(errors.DuplicateError):
        Male.insert(subject.proj("name"))
    assert len(Male) == 3
    Male.insert(subject.proj("name"), skip_duplicates=True)
    assert len(Male) == 3


def test_insert_from_a_table_class(schema, subject):
    subject.insert([(1, "ann", 20.5, "F")])

    @schema
    class Copy(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        weight = null : float64
        sex = 'U' : enum('F', 'M', 'U')
        """

    Copy.insert(subject)
    assert _rows(Copy) == _rows(subject)


def test_insert_from_a_query_with_renamed_attributes(schema, subject):
    subject.insert([(1, "ann", 20.5, "F")])

    @schema
    class Alias(dj.Manual):
        definition = """
        alias_id : int32
        ---
        label : varchar(16)
        """

    Alias.insert(subject.proj(alias_id="subject_id", label="name"))
    assert Alias.fetch1() == {"alias_id": 1, "label": "ann"}


def test_insert_in_chunks(subject):
    subject.insert(({"subject_id": i, "name": "x"} for i in range(25)), chunk_size=10)
    assert len(subject) == 25


# -- options ---------------------------------------------------------------------------------


def test_skip_duplicates_keeps_the_existing_row(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    subject.insert([(1, "other", 1.0, "M"), (2, "bob", None, "M")], skip_duplicates=True)
    assert _rows(subject) == [
        {"subject_id": 1, "name": "ann", "weight": 20.5, "sex": "F"},
        {"subject_id": 2, "name": "bob", "weight": None, "sex": "M"},
    ]


def test_skip_duplicates_still_refuses_other_errors(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    with pytest.raises(errors.DataTypeError):
        subject.insert([(2, "bob", None, "M"), (3, "cy", None, "X")], skip_duplicates=True)
    assert len(subject) == 1


def test_ignore_extra_fields_drops_unknown_attributes(subject):
    subject.insert1({"subject_id": 1, "name": "ann", "nickname": "a"}, ignore_extra_fields=True)
    frame = pd.DataFrame({"subject_id": [2], "name": ["bob"], "extra": [1]})
    subject.insert(frame, ignore_extra_fields=True)
    assert list(subject.fetch("name", order_by="subject_id")) == ["ann", "bob"]


def test_replace_overwrites_the_whole_row(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    subject.insert1({"subject_id": 1, "name": "anne", "weight": 21.0}, replace=True)
    # as MySQL's REPLACE: attributes not given take their defaults
    assert subject.fetch1() == {"subject_id": 1, "name": "anne", "weight": 21.0, "sex": "U"}
    subject.insert([(1, "ann", 1.0, "F"), (2, "bob", 2.0, "M")], replace=True)
    assert len(subject) == 2
    assert (subject & {"subject_id": 1}).fetch1("name") == "ann"


def test_replace_of_a_referenced_row_is_refused(session, subject):
    session.insert1((1, 1, None))
    with pytest.raises(errors.IntegrityError):
        subject.insert1((1, "changed", 1.0, "F"), replace=True)
    assert (subject & {"subject_id": 1}).fetch1("name") == "ann"
    assert len(session) == 1


def test_replace_from_a_query(schema, subject):
    subject.insert([(1, "ann", 20.5, "F"), (2, "bob", None, "M")])

    @schema
    class Names(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        """

    Names.insert1((1, "old"))
    Names.insert(subject.proj("name"), replace=True)
    assert _rows(Names) == [{"subject_id": 1, "name": "ann"}, {"subject_id": 2, "name": "bob"}]


def test_none_takes_the_default(subject):
    subject.insert1({"subject_id": 1, "name": "ann", "sex": None, "weight": None})
    assert subject.fetch1("sex", "weight") == ("U", None)


def test_nan_in_a_nullable_float_is_stored_as_null(subject):
    subject.insert1({"subject_id": 1, "name": "ann", "weight": np.nan})
    assert subject.fetch(as_dict=True)[0]["weight"] is None
    assert len(subject & "weight is null") == 1


def test_auto_populated_tables_refuse_direct_inserts(schema, subject):
    Subject = subject  # noqa: F841

    @schema
    class Imaging(dj.Imported):
        definition = """
        -> Subject
        ---
        frames : int32
        """

        def make(self, key):
            self.insert1({**key, "frames": 10})

    @schema
    class Stats(dj.Computed):
        definition = """
        -> Subject
        ---
        mean : float64
        """

        def make(self, key):
            self.insert1({**key, "mean": 0.0})

    subject.insert1((1, "ann", 20.5, "F"))
    for table, row in ((Imaging, (1, 10)), (Stats, (1, 0.5))):
        with pytest.raises(errors.DataJointError, match="allow_direct_insert"):
            table.insert1(row)
        assert len(table) == 0
        table.insert1(row, allow_direct_insert=True)
        assert len(table) == 1


def test_manual_and_lookup_tables_take_direct_inserts(schema):
    @schema
    class Kind(dj.Lookup):
        definition = "kind : varchar(8)"

    Kind.insert1(("a",))
    Kind.insert([("b",), ("c",)])
    assert sorted(Kind.fetch("kind")) == ["a", "b", "c"]


def test_insert_inside_a_transaction_is_committed_with_it(subject, connection):
    with connection.transaction:
        subject.insert1((1, "ann", None, "F"))
        with pytest.raises(errors.DuplicateError):
            subject.insert([(2, "bob", None, "M"), (1, "dup", None, "F")])
        subject.insert1((3, "cy", None, "M"))
    assert list(subject.fetch("subject_id", order_by="subject_id")) == [1, 3]


def test_failed_transaction_rolls_back_its_inserts(subject, connection):
    with pytest.raises(RuntimeError), connection.transaction:
        subject.insert1((1, "ann", None, "F"))
        raise RuntimeError("abort")
    assert len(subject) == 0


# -- refused inputs: the error class, and nothing written ----------------------------------------


def _refused(table, rows, error_class, *fragments, **options):
    """Insert ``rows`` expecting ``error_class``; the table must be unchanged; returns the message."""
    before = _rows(table)
    with pytest.raises(error_class) as info:
        table.insert(rows, **options)
    assert _rows(table) == before
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_null_key_is_refused_not_numbered(subject, missing):
    # on SQLite a one-column integer key is the row id, which would number a NULL: joinery refuses it itself
    subject.insert1((1, "ann", 20.5, "F"))
    _refused(
        subject, [(2, "bob", None, "M"), (missing, "nokey", None, "F")], errors.IntegrityError, "subject_id"
    )
    with pytest.raises(errors.IntegrityError):
        subject.insert1({"subject_id": missing, "name": "nokey"})
    assert len(subject) == 1


def test_duplicate_key_is_refused(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    _refused(subject, [(2, "bob", None, "M"), (1, "again", None, "F")], errors.DuplicateError, "Subject")


def test_duplicate_within_one_call_is_refused(subject):
    _refused(
        subject, [(1, "ann", None, "F"), (1, "ann", None, "F")], errors.DuplicateError, "skip_duplicates"
    )


def test_duplicate_error_is_a_datajoint_error(subject):
    subject.insert1((1, "ann", 20.5, "F"))
    with pytest.raises(dj.DataJointError):
        subject.insert1((1, "ann", 20.5, "F"))


def test_missing_parent_row_is_refused(session):
    _refused(session, [(1, 1, None), (9, 1, None)], errors.IntegrityError, "Session", "subject")


def test_missing_attribute_is_refused(subject):
    _refused(
        subject, [{"subject_id": 1, "name": "ann"}, {"subject_id": 2}], errors.MissingAttributeError, "name"
    )


def test_missing_primary_key_attribute_is_refused(subject):
    _refused(subject, [{"name": "ann"}], errors.MissingAttributeError, "subject_id")


def test_unknown_attribute_is_refused(subject):
    _refused(
        subject,
        [{"subject_id": 1, "name": "ann"}, {"subject_id": 2, "name": "bob", "age": 3}],
        errors.UnknownAttributeError,
        "age",
    )


def test_sequence_of_the_wrong_length_is_refused(subject):
    _refused(subject, [(1, "ann", 20.5, "F"), (2, "bob")], dj.DataJointError, "4")


def test_insert_of_a_single_dict_asks_for_insert1(subject):
    _refused(subject, {"subject_id": 1, "name": "ann"}, dj.DataJointError, "insert1")


@pytest.fixture
def typed(schema):
    @schema
    class Typed(dj.Manual):
        definition = """
        id : int16
        ---
        i8 = 0 : int8
        u8 = 0 : uint8
        i16 = 0 : int16
        i32 = 0 : int32
        i64 = 0 : int64
        f64 = 0 : float64
        flag = 0 : bool
        token = null : uuid
        short = '' : varchar(5)
        code = 'ab' : char(2)
        level = 'low' : enum('low', 'high')
        price = 0 : decimal(5,2)
        day = null : date
        moment = null : datetime
        doc = null : json
        data = null : bytes
        required : int16
        """

    Typed.insert1({"id": 0, "required": 0})
    return Typed


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("i16", "abc"),
        ("i32", 1.5),
        ("i8", 300),
        ("i8", -129),
        ("u8", 300),
        ("u8", -1),
        ("i16", 40000),
        ("i32", 2**31),
        ("i64", 2**63),
        ("i64", [1, 2]),
        ("f64", np.arange(3)),
        ("f64", "abc"),
        ("f64", {"a": 1}),
        ("flag", 2),
        ("flag", "yes"),
        ("token", "not-a-uuid"),
        ("token", 12),
        ("short", "toolong"),
        ("code", "abc"),
        ("level", "medium"),
        ("price", "abc"),
        ("price", 1000),
        ("day", "2024-13-01"),
        ("day", 5),
        ("moment", "yesterday"),
        ("doc", object()),
        ("data", "text is not bytes"),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_value_of_the_wrong_type_is_refused(typed, attribute, value):
    good = {"id": 1, "required": 1}
    bad = {"id": 2, "required": 1, attribute: value}
    message = _refused(typed, [good, bad], errors.DataTypeError, "Typed")
    assert attribute in message


def test_uint64_beyond_the_signed_64_bit_range_is_refused_clearly(schema):
    """SQLite and PostgreSQL store integers as signed 64-bit: uint64 goes up to 2**63 - 1 there.

    MySQL has a native unsigned bigint, which takes the whole range.
    """

    @schema
    class Counter(dj.Manual):
        definition = """
        counter : int16
        ---
        value : uint64
        """

    Counter.insert1((1, 2**63 - 1))
    assert Counter.fetch1("value") == 2**63 - 1
    if schema.connection.settings["backend"] == "mysql":
        Counter.insert1((2, 2**64 - 1))
        assert (Counter & {"counter": 2}).fetch1("value") == 2**64 - 1
        return
    _refused(Counter, [(2, 2**64 - 1)], errors.DataTypeError, "value", "range")


def test_null_in_a_non_nullable_attribute_is_refused(typed):
    message = _refused(typed, [{"id": 1, "required": 1}, {"id": 2, "required": None}], errors.IntegrityError)
    assert "required" in message


def test_null_in_a_key_attribute_is_refused(typed):
    _refused(typed, [{"id": None, "required": 1}], errors.DataJointError)


def test_bad_enum_value_is_refused(subject):
    _refused(
        subject, [{"subject_id": 1, "name": "ann", "sex": "female"}], errors.DataTypeError, "sex", "enum"
    )


def test_too_long_varchar_is_refused(subject):
    _refused(subject, [{"subject_id": 1, "name": "x" * 17}], errors.DataTypeError, "name", "varchar(16)")


def test_values_that_fit_are_accepted_at_the_limits(typed):
    row = {
        "id": 1,
        "i8": -128,
        "u8": 255,
        "i16": 32767,
        "i32": -(2**31),
        "i64": 2**63 - 1,
        "flag": True,
        "token": "1d751e2e-1e74-faf8-4ab4-85fde8ef72be",
        "short": "12345",
        "level": "high",
        "price": "999.99",
        "day": "2024-02-29",
        "moment": "2024-02-29 10:11:12",
        "doc": {"k": [1, 2]},
        "data": b"\x00",
        "required": np.int16(5),
    }
    typed.insert1(row)
    got = (typed & {"id": 1}).fetch1()
    assert got["token"] == uuid.UUID("1d751e2e-1e74-faf8-4ab4-85fde8ef72be")
    assert got["day"] == dt.date(2024, 2, 29)
    assert got["moment"] == dt.datetime(2024, 2, 29, 10, 11, 12)
    assert got["i64"] == 2**63 - 1
    assert str(got["price"]) == "999.99"


def test_a_refused_row_in_a_large_insert_leaves_nothing(subject):
    rows = [(i, f"s{i}", float(i), "F") for i in range(1000)]
    rows[700] = (700, "s700", "heavy", "F")
    _refused(subject, rows, errors.DataTypeError, "weight")


def test_a_refused_group_leaves_earlier_groups_unwritten(subject):
    rows = [{"subject_id": 1, "name": "ann"}, {"subject_id": 2, "name": "bob", "sex": "Q"}]
    _refused(subject, rows, errors.DataTypeError)
