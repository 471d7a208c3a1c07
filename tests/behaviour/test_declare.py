"""Declaring tables: types, defaults, foreign keys, indexes, tiers and their names, describe().

Every test declares its own classes in a fresh schema (``schema`` fixture) and
checks what a user sees through the public API.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import subprocess
import sys
import time
import uuid
import warnings

import numpy as np
import pytest

import joinery as dj
from joinery import errors

# (declared type, a value that must come back exactly, the Python type it comes back as)
CORE_VALUES = [
    ("int8", -128, int),
    ("int8", 127, int),
    ("int16", -32768, int),
    ("int32", 2**31 - 1, int),
    ("int64", -(2**63), int),
    ("int64", 2**63 - 1, int),
    ("uint8", 255, int),
    ("uint16", 65535, int),
    ("uint32", 2**32 - 1, int),
    ("uint64", 2**53 + 1, int),
    ("float32", 1.5, float),
    ("float64", 0.1, float),
    ("float64", -1e300, float),
    ("bool", True, bool),
    ("bool", False, bool),
    ("uuid", uuid.UUID("1d751e2e-1e74-faf8-4ab4-85fde8ef72be"), uuid.UUID),
    ("json", {"a": [1, 2.5, None], "b": {"c": "d"}}, dict),
    ("json", [1, "two", True], list),
    ("bytes", b"\x00\x01\xffraw", bytes),
    ("date", dt.date(2024, 2, 29), dt.date),
    ("datetime", dt.datetime(2024, 2, 29, 13, 14, 15), dt.datetime),
    ("datetime(3)", dt.datetime(2024, 2, 29, 13, 14, 15, 123000), dt.datetime),
    ("char(4)", "abcd", str),
    ("varchar(12)", "hello, wörld", str),
    ("varchar(12)", "", str),
    ("enum('low','mid','high')", "mid", str),
    ("decimal(6,2)", decimal.Decimal("1234.56"), decimal.Decimal),
    ("decimal(6,2)", decimal.Decimal("-0.05"), decimal.Decimal),
]

LEGACY_VALUES = [
    ("int", -(2**31), int),
    ("int unsigned", 2**32 - 1, int),
    ("tinyint", -128, int),
    ("tinyint unsigned", 255, int),
    ("smallint", -32768, int),
    ("smallint unsigned", 65535, int),
    ("bigint", -(2**63), int),
    ("bigint unsigned", 2**53, int),
    ("float", 2.5, float),
    ("double", 1e-300, float),
    ("time", dt.timedelta(hours=26, minutes=3, seconds=4), dt.timedelta),
    ("time", dt.timedelta(seconds=-90), dt.timedelta),
    ("timestamp", dt.datetime(2021, 5, 6, 7, 8, 9), dt.datetime),
    ("text", "a long text " * 100, str),
    ("boolean", True, bool),
]

BLOB_VALUES = [
    np.arange(12, dtype=np.int16).reshape(3, 4),
    {"sigma": 1.8, "names": ["a", "b"]},
    [1, "two", 3.0],
    "just a string",
    np.array([1 + 2j, 3 - 4j]),
]


def _declare_single(schema, type_text: str):
    """A table ``Single`` with one secondary attribute ``value`` of the given type."""

    @schema
    class Single(dj.Manual):
        definition = f"""
        id : int16
        ---
        value : {type_text}
        """

    return Single


def _same(got, expected) -> bool:
    if isinstance(expected, np.ndarray):
        return isinstance(got, np.ndarray) and got.dtype == expected.dtype and np.array_equal(got, expected)
    return got == expected


@pytest.mark.parametrize(("type_text", "value", "python_type"), CORE_VALUES, ids=lambda v: repr(v)[:30])
def test_core_type_round_trips_exactly(schema, type_text, value, python_type):
    table = _declare_single(schema, type_text)
    table.insert1({"id": 1, "value": value})
    got = table.fetch1("value")
    assert got == value
    assert isinstance(got, python_type)


@pytest.mark.parametrize(("type_text", "value", "python_type"), LEGACY_VALUES, ids=lambda v: repr(v)[:30])
def test_legacy_type_round_trips_exactly(schema, type_text, value, python_type):
    table = _declare_single(schema, type_text)
    table.insert1({"id": 1, "value": value})
    got = table.fetch1("value")
    assert got == value
    assert isinstance(got, python_type)


@pytest.mark.parametrize("type_text", ["longblob", "mediumblob", "blob", "<blob>"])
def test_blob_columns_hold_serialized_python_objects(schema, type_text):
    table = _declare_single(schema, type_text)
    table.insert((i, value) for i, value in enumerate(BLOB_VALUES))
    for i, expected in enumerate(BLOB_VALUES):
        got = (table & {"id": i}).fetch1("value")
        assert _same(got, expected), (type_text, got, expected)


def test_every_type_in_one_table_round_trips(schema):
    lines = "\n".join(f"v{i} : {t}" for i, (t, _, _) in enumerate(CORE_VALUES + LEGACY_VALUES))

    @schema
    class Wide(dj.Manual):
        definition = f"""
        id : int8
        ---
        {lines}
        """

    row = {"id": 1, **{f"v{i}": v for i, (_, v, _) in enumerate(CORE_VALUES + LEGACY_VALUES)}}
    Wide.insert1(row)
    assert Wide.fetch1() == row


def test_heading_keeps_the_declared_types_after_reload(schema):
    table = _declare_single(schema, "time")
    table._heading_cache = None  # read the heading back from the database, as a new process would
    assert table.heading["value"].type.core == "time"


def test_auto_increment_numbers_new_rows(schema):
    @schema
    class Note(dj.Manual):
        definition = """
        note_id : int auto_increment
        ---
        text : varchar(100)
        """

    Note.insert1({"text": "first"})
    Note.insert([{"text": "second"}, {"text": "third"}])
    Note.insert1({"note_id": 10, "text": "chosen"})
    Note.insert1({"text": "after"})
    ids = Note.fetch("note_id", order_by="note_id")
    assert list(ids) == [1, 2, 3, 10, 11]
    assert Note.heading["note_id"].auto_increment


def test_auto_increment_on_a_non_integer_is_refused(schema):
    with pytest.raises(errors.DataJointError, match="auto_increment"):

        @schema
        class Bad(dj.Manual):
            definition = """
            id : varchar(8) auto_increment
            """


# -- defaults ---------------------------------------------------------------------------


def test_defaults_fill_omitted_attributes(schema):
    @schema
    class Settings(dj.Manual):
        definition = """
        id : int16
        ---
        level = 50 : float64
        label = "none" : varchar(20)
        quoted = 'single' : varchar(20)
        flag = true : bool
        kind = M : enum('M', 'F')
        count = -3 : int32
        note = null : varchar(100)
        blob_value = null : <blob>
        when = null : datetime
        """

    Settings.insert1({"id": 1})
    assert Settings.fetch1() == {
        "id": 1,
        "level": 50.0,
        "label": "none",
        "quoted": "single",
        "flag": True,
        "kind": "M",
        "count": -3,
        "note": None,
        "blob_value": None,
        "when": None,
    }
    assert Settings.heading["note"].nullable
    assert not Settings.heading["level"].nullable


@pytest.fixture
def tokyo_time(monkeypatch):
    """Run in a time zone far from UTC, so that local time and UTC differ by hours."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_current_timestamp_default_records_the_local_insert_time(tokyo_time, schema):
    # tokyo_time first: a server connection takes the time zone in force when it opens
    @schema
    class Event(dj.Manual):
        definition = """
        event_id : int16
        ---
        created = CURRENT_TIMESTAMP : timestamp
        modified = CURRENT_TIMESTAMP : datetime
        """

    before = dt.datetime.now().replace(microsecond=0)
    Event.insert1({"event_id": 1})
    Event.insert1({"event_id": 2, "created": None})
    after = dt.datetime.now() + dt.timedelta(seconds=1)
    for row in Event.fetch(as_dict=True):
        for value in (row["created"], row["modified"]):
            assert isinstance(value, dt.datetime)
            assert before <= value <= after
    Event.insert1({"event_id": 3, "created": dt.datetime(2000, 1, 1)})
    assert (Event & {"event_id": 3}).fetch1("created") == dt.datetime(2000, 1, 1)
    assert Event.heading["created"].default == "CURRENT_TIMESTAMP"
    assert "created = CURRENT_TIMESTAMP : timestamp" in Event.describe()


# -- comments --------------------------------------------------------------------------


def test_table_and_attribute_comments_are_kept(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        # experimental subjects
        subject_id : int32   # unique id
        ---
        species = "mouse" : varchar(30)  # common name
        """

    text = Subject.describe()
    assert text.splitlines()[0] == "# experimental subjects"
    assert Subject.heading["subject_id"].comment == "unique id"
    assert Subject.heading["species"].comment == "common name"
    assert "# common name" in text


# -- foreign keys ----------------------------------------------------------------------


@pytest.fixture
def subject(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(20)
        """

    Subject.insert([(1, "ann"), (2, "bob")])
    return Subject


def test_foreign_key_in_primary_key_copies_parent_key(schema, subject):
    Subject = subject

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        ---
        notes = "" : varchar(100)
        """

    assert Session.primary_key == ["subject_id", "session"]
    assert Session.heading["subject_id"].type.core == "int32"
    Session.insert1({"subject_id": 1, "session": 1})
    with pytest.raises(errors.IntegrityError):
        Session.insert1({"subject_id": 3, "session": 1})
    assert len(Session) == 1
    assert Session.parents() == [Subject.full_table_name]


def test_foreign_key_below_the_line_is_a_required_secondary_attribute(schema, subject):
    Subject = subject  # noqa: F841 - resolved by name in the definition

    @schema
    class Cage(dj.Manual):
        definition = """
        cage_id : int16
        ---
        -> Subject
        """

    assert Cage.primary_key == ["cage_id"]
    assert Cage.heading.secondary_attributes == ["subject_id"]
    assert not Cage.heading["subject_id"].nullable
    with pytest.raises(errors.MissingAttributeError):
        Cage.insert1({"cage_id": 1})
    with pytest.raises(errors.IntegrityError):
        Cage.insert1({"cage_id": 1, "subject_id": 9})
    Cage.insert1({"cage_id": 1, "subject_id": 2})
    assert Cage.fetch1("subject_id") == 2


def test_nullable_foreign_key_may_be_left_empty(schema, subject):
    Subject = subject  # noqa: F841

    @schema
    class Cage(dj.Manual):
        definition = """
        cage_id : int16
        ---
        -> [nullable] Subject
        """

    assert Cage.heading["subject_id"].nullable
    Cage.insert1({"cage_id": 1})
    Cage.insert1({"cage_id": 2, "subject_id": None})
    Cage.insert1({"cage_id": 3, "subject_id": 1})
    with pytest.raises(errors.IntegrityError):
        Cage.insert1({"cage_id": 4, "subject_id": 7})
    assert dict(zip(*Cage.fetch("cage_id", "subject_id"))) == {1: None, 2: None, 3: 1}
    assert "-> [nullable] Subject" in Cage.describe()
    assert "index" not in Cage.describe()  # the index SQLite gets on the foreign key is not the user's


def test_nullable_foreign_key_in_primary_key_is_refused(schema, subject):
    Subject = subject  # noqa: F841
    with pytest.raises(errors.DataJointError, match="nullable"):

        @schema
        class Cage(dj.Manual):
            definition = """
            -> [nullable] Subject
            cage_id : int16
            """


def test_unique_foreign_key_allows_one_child_per_parent(schema, subject):
    Subject = subject  # noqa: F841

    @schema
    class Implant(dj.Manual):
        definition = """
        implant_id : int16
        ---
        -> [unique] Subject
        """

    Implant.insert1({"implant_id": 1, "subject_id": 1})
    with pytest.raises(errors.DuplicateError):
        Implant.insert1({"implant_id": 2, "subject_id": 1})
    Implant.insert1({"implant_id": 2, "subject_id": 2})
    assert len(Implant) == 2
    assert "-> [unique] Subject" in Implant.describe()


def test_renamed_foreign_keys_reference_the_same_parent_twice(schema):
    @schema
    class Neuron(dj.Manual):
        definition = """
        neuron_id : int32
        """

    @schema
    class Synapse(dj.Manual):
        definition = """
        -> Neuron.proj(pre='neuron_id')
        -> Neuron.proj(post='neuron_id')
        ---
        strength : float32
        """

    assert Synapse.primary_key == ["pre", "post"]
    Neuron.insert([(1,), (2,)])
    Synapse.insert1({"pre": 1, "post": 2, "strength": 0.5})
    with pytest.raises(errors.IntegrityError):
        Synapse.insert1({"pre": 1, "post": 3, "strength": 0.5})
    assert len(Synapse) == 1
    described = Synapse.describe()
    assert "-> Neuron.proj(pre='neuron_id')" in described.replace('"', "'")
    assert "-> Neuron.proj(post='neuron_id')" in described.replace('"', "'")


def test_renaming_an_attribute_the_parent_lacks_is_refused(schema, subject):
    Subject = subject  # noqa: F841
    with pytest.raises(errors.DataJointError) as info:

        @schema
        class Pairing(dj.Manual):
            definition = """
            -> Subject.proj(first='subjectid')
            """

    assert "Pairing" in str(info.value)
    assert "subjectid" in str(info.value)


def test_foreign_key_to_a_missing_class_names_table_and_line(schema):
    with pytest.raises(errors.DataJointError) as info:

        @schema
        class Orphan(dj.Manual):
            definition = """
            orphan_id : int16
            ---
            -> NoSuchParent
            """

    message = str(info.value)
    assert "Orphan" in message
    assert "line 3" in message
    assert "NoSuchParent" in message


def test_foreign_key_to_a_table_in_another_schema(schema, connection):
    other = dj.Schema(schema.database + "_other", connection=connection)
    try:

        @other
        class Animal(dj.Manual):
            definition = """
            animal_id : int16
            """

        @schema
        class Weighing(dj.Manual):
            definition = """
            -> Animal
            weighing : int16
            """

        Animal.insert1((1,))
        Weighing.insert1((1, 1))
        with pytest.raises(errors.IntegrityError):
            Weighing.insert1((2, 1))
    finally:
        schema.drop(prompt=False)
        other.drop(prompt=False)


# -- indexes ---------------------------------------------------------------------------


def test_index_and_unique_index(schema):
    @schema
    class Person(dj.Manual):
        definition = """
        person_id : int32
        ---
        first : varchar(30)
        last : varchar(30)
        email : varchar(60)
        index (last, first)
        unique index (email)
        """

    Person.insert1((1, "ann", "lee", "ann@lab.org"))
    Person.insert1((2, "ann", "lee", "ann2@lab.org"))  # a plain index allows repeats
    with pytest.raises(errors.DuplicateError):
        Person.insert1((3, "bob", "ray", "ann@lab.org"))
    assert len(Person) == 2
    described = Person.describe().lower()
    assert "index (last, first)" in described
    assert "unique index (email)" in described


def test_index_on_an_unknown_attribute_is_refused(schema):
    with pytest.raises(errors.DataJointError, match="nosuch"):

        @schema
        class Bad(dj.Manual):
            definition = """
            id : int16
            ---
            index (nosuch)
            """


# -- tiers and table names ---------------------------------------------------------------


def test_tiers_name_tables_as_datajoint_does(schema):
    @schema
    class TwoPhotonScan(dj.Manual):
        definition = "scan_id : int16"

    @schema
    class Species(dj.Lookup):
        definition = "species : varchar(20)"

    @schema
    class RawData(dj.Imported):
        definition = "-> TwoPhotonScan"

    @schema
    class Segmentation(dj.Computed):
        definition = "-> RawData"

        class Mask(dj.Part):
            definition = """
            -> master
            mask_id : int16
            """

    assert TwoPhotonScan.table_name == "two_photon_scan"
    assert Species.table_name == "#species"
    assert RawData.table_name == "_raw_data"
    assert Segmentation.table_name == "__segmentation"
    assert Segmentation.Mask.table_name == "__segmentation__mask"
    assert set(schema.list_tables()) == {
        "two_photon_scan",
        "#species",
        "_raw_data",
        "__segmentation",
        "__segmentation__mask",
    }


@pytest.mark.parametrize(
    ("class_name", "table_name"),
    [
        ("Session", "session"),
        ("MyTable", "my_table"),
        ("Scan2D", "scan2_d"),
        ("Table1", "table1"),
        ("ABTest", "a_b_test"),
        ("Scan2d3", "scan2d3"),
    ],
)
def test_camel_case_class_names_become_snake_case(schema, class_name, table_name):
    cls = type(class_name, (dj.Manual,), {"definition": "id : int16"})
    schema(cls)
    assert cls.table_name == table_name
    assert schema.connection.catalog.table_exists(schema.database, table_name)


def test_class_name_with_underscores_warns_and_drops_them(schema):
    cls = type("My_Table", (dj.Manual,), {"definition": "id : int16"})
    with pytest.warns(UserWarning, match="underscore"):
        schema(cls)
    assert cls.table_name == "my_table"


def test_lookup_contents_are_inserted_at_declaration(schema):
    @schema
    class Method(dj.Lookup):
        definition = """
        method : varchar(16)
        ---
        params = null : <blob>
        """
        contents = [("gaussian", {"sigma": 1.8}), ("median", None)]

    assert len(Method) == 2
    assert (Method & {"method": "gaussian"}).fetch1("params") == {"sigma": 1.8}

    @schema
    class Method(dj.Lookup):  # noqa: F811 - declared again, as a re-run script does
        definition = """
        method : varchar(16)
        ---
        params = null : <blob>
        """
        contents = [("gaussian", {"sigma": 1.8}), ("median", None)]

    assert len(Method) == 2


def test_lookup_contents_may_be_dicts(schema):
    @schema
    class Color(dj.Lookup):
        definition = """
        color : varchar(8)
        ---
        hex : char(7)
        """
        contents = [{"color": "red", "hex": "#ff0000"}, {"color": "blue", "hex": "#0000ff"}]

    assert sorted(Color.fetch("color")) == ["blue", "red"]


def test_part_table_references_its_master(schema):
    @schema
    class Scan(dj.Manual):
        definition = """
        scan_id : int16
        """

        class Roi(dj.Part):
            definition = """
            -> master
            roi : int16
            ---
            size : float64
            """

    assert Scan.Roi.master is Scan
    assert Scan.Roi.primary_key == ["scan_id", "roi"]
    Scan.insert1((1,))
    Scan.Roi.insert1((1, 1, 2.5))
    with pytest.raises(errors.IntegrityError):
        Scan.Roi.insert1((2, 1, 2.5))
    assert Scan.Roi.parents() == [Scan.full_table_name]
    assert Scan.parts() == [Scan.Roi.full_table_name]
    assert "-> master" in Scan.Roi.describe()


def test_part_tables_of_a_computed_master_refuse_direct_inserts(schema):
    @schema
    class Source(dj.Manual):
        definition = "source_id : int16"

    @schema
    class Result(dj.Computed):
        definition = "-> Source"

        class Detail(dj.Part):
            definition = """
            -> master
            detail : int16
            """

        def make(self, key):
            self.insert1(key)

    Source.insert1((1,))
    Result.insert1((1,), allow_direct_insert=True)
    with pytest.raises(errors.DataJointError, match="allow_direct_insert"):
        Result.Detail.insert1((1, 1))
    Result.Detail.insert1((1, 1), allow_direct_insert=True)
    assert len(Result.Detail) == 1


def test_decorating_a_part_or_a_plain_class_is_refused(schema):
    class NotATable:
        definition = "id : int16"

    with pytest.raises(errors.DataJointError):
        schema(NotATable)


# -- declaring again ---------------------------------------------------------------------


def test_redeclaring_an_existing_table_attaches_to_it(schema):
    definition = """
    # a subject
    subject_id : int32
    ---
    name : varchar(20)
    """

    first = type("Subject", (dj.Manual,), {"definition": definition})
    schema(first)
    first.insert1((1, "ann"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = type("Subject", (dj.Manual,), {"definition": definition})
        schema(second)
    assert second.fetch1() == {"subject_id": 1, "name": "ann"}
    assert second.describe() == first.describe()


def test_redeclaring_with_a_changed_definition_warns_and_keeps_the_data(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(20)
        """

    Subject.insert1((1, "ann"))
    with pytest.warns(UserWarning) as record:

        @schema
        class Subject(dj.Manual):  # noqa: F811
            definition = """
            subject_id : int32
            ---
            name : varchar(20)
            weight : float32
            """

    message = str(record[0].message)
    assert "Subject" in message
    assert "weight" in message
    assert Subject.fetch1() == {"subject_id": 1, "name": "ann"}


def test_changed_nullability_is_reported(schema):
    @schema
    class Probe(dj.Manual):
        definition = """
        probe : int16
        ---
        depth : float32
        """

    with pytest.warns(UserWarning, match="nullable"):

        @schema
        class Probe(dj.Manual):  # noqa: F811
            definition = """
            probe : int16
            ---
            depth = null : float32
            """


def test_changed_key_or_type_is_reported(schema):
    @schema
    class Probe(dj.Manual):
        definition = """
        probe : int16
        ---
        depth : float32
        """

    with pytest.warns(UserWarning, match="depth") as record:

        @schema
        class Probe(dj.Manual):  # noqa: F811
            definition = """
            probe : int16
            ---
            depth : varchar(10)
            """

    assert "float32" in str(record[0].message)


# -- definition errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "line", "what"),
    [
        ("id : int16\n---\nvalue : notatype\n", 3, "notatype"),
        ("id : int16\n---\nValue : int16\n", 3, "Value"),
        ("id : int16\nid : int32\n", 2, "id"),
        ("id int16\n", 1, "colon"),
        ("id : int16\n---\nx = : int16\n", 3, "default"),
        ("id = null : int16\n", 1, "nullable"),
        ("id : int16\n---\n-> [nosuch] Other\n", 3, "nosuch"),
        ("id : int16\n---\nx = 1 : <blob>\n", 3, "null"),
    ],
)
def test_definition_errors_name_the_table_and_the_line(schema, definition, line, what):
    cls = type("Broken", (dj.Manual,), {"definition": definition})
    with pytest.raises(errors.DataJointError) as info:
        schema(cls)
    message = str(info.value)
    assert "Broken" in message
    assert f"line {line}" in message
    assert what in message
    assert not schema.connection.catalog.table_exists(schema.database, "broken")


def test_table_without_primary_key_is_refused(schema):
    cls = type("Keyless", (dj.Manual,), {"definition": "---\nvalue : int16\n"})
    with pytest.raises(errors.DataJointError, match="primary key"):
        schema(cls)


# -- describe and heading -------------------------------------------------------------------


def test_describe_declares_an_identical_table(schema):
    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        """

    @schema
    class Neuron(dj.Manual):
        definition = """
        neuron_id : int32
        """

    @schema
    class Recording(dj.Manual):
        definition = """
        # a recording session
        -> Subject
        rec_id : int16  # within the subject
        ---
        -> [nullable] Neuron.proj(best='neuron_id')
        -> [unique] Neuron
        quality = 0.5 : float32  # how good
        label = "raw" : varchar(20)
        kind = null : enum('a', 'b')
        when = CURRENT_TIMESTAMP : timestamp
        flag = false : bool
        data = null : <blob>
        legacy = null : longblob
        duration = null : time
        index (quality, label)
        unique index (label, kind)
        """

    text = Recording.describe()
    copy = type("RecordingCopy", (dj.Manual,), {"definition": text})
    schema(copy, context={"Subject": Subject, "Neuron": Neuron})
    assert list(copy.heading.attributes.values()) == list(Recording.heading.attributes.values())
    assert copy.describe() == text
    assert copy.parents() == Recording.parents()


def test_describe_keeps_auto_increment(schema):
    @schema
    class Note(dj.Manual):
        definition = """
        note_id : int32 auto_increment  # numbered automatically
        ---
        text : varchar(100)
        """

    text = Note.describe()
    assert "auto_increment" in text
    copy = type("NoteCopy", (dj.Manual,), {"definition": text})
    schema(copy)
    assert copy.heading["note_id"].auto_increment
    copy.insert1({"text": "numbered"})
    assert copy.fetch1("note_id") == 1


def test_heading_lists_attributes_with_their_types(schema):
    @schema
    class Trial(dj.Manual):
        definition = """
        trial : int32
        ---
        start = 0.0 : float64
        outcome : enum('hit', 'miss')
        """

    heading = Trial.heading
    assert heading.names == ["trial", "start", "outcome"]
    assert heading.primary_key == ["trial"]
    assert heading.secondary_attributes == ["start", "outcome"]
    assert [heading[name].type.core for name in heading.names] == ["int32", "float64", "enum('hit','miss')"]
    shown = " ".join(repr(heading).split())
    assert "trial : int32" in shown
    assert "outcome : enum('hit','miss')" in shown


# -- the schema and its database file -------------------------------------------------------------


def test_schema_alias():
    assert dj.schema is dj.Schema


def test_schema_drop_removes_its_tables(schema):
    @schema
    class Thing(dj.Manual):
        definition = "thing : int16"

    Thing.insert1((1,))
    schema.drop(prompt=False)
    assert not schema.exists
    assert not schema.connection.catalog.table_exists(schema.database, "thing")
    assert schema.database not in dj.list_schemas(schema.connection)


_SCRIPT = """
import joinery as dj
schema = dj.Schema("tutorial")

@schema
class Mouse(dj.Manual):
    definition = "mouse_id : int16"

Mouse.insert1((1,))
print(dj.conn().settings["path"])
"""


def _run_script(cwd, env_extra=None, script=_SCRIPT):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJ_")}
    env.update(env_extra or {})
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_schema_with_no_configuration_creates_a_file_in_the_working_directory(tmp_path):
    path = _run_script(tmp_path)
    created = [p.name for p in tmp_path.iterdir() if p.suffix == ".db"]
    assert created == ["joinery.db"]
    assert os.path.samefile(path, tmp_path / "joinery.db")


def test_environment_variable_chooses_the_database_file(tmp_path):
    target = tmp_path / "elsewhere" / "lab.sqlite"
    path = _run_script(tmp_path, {"DJ_DATABASE_PATH": str(target)})
    assert target.is_file()
    assert os.path.samefile(path, target)
    assert not (tmp_path / "joinery.db").exists()


def test_config_database_path_chooses_the_database_file(tmp_path):
    target = tmp_path / "configured.db"
    script = f"import joinery as dj\ndj.config['database.path'] = {str(target)!r}\n" + _SCRIPT
    _run_script(tmp_path, script=script)
    assert target.is_file()
    assert not (tmp_path / "joinery.db").exists()
    check = (
        "import joinery as dj\n"
        f"dj.config['database.path'] = {str(target)!r}\n"
        "vm = dj.FreeTable(dj.conn(), 'tutorial.mouse')\n"
        "print(len(vm))\n"
    )
    assert _run_script(tmp_path, script=check) == "1"
