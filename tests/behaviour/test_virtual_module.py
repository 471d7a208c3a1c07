"""Virtual modules: classes made from the catalog for a schema whose Python source we do not have."""

from __future__ import annotations

import numpy as np
import pytest

import joinery as dj


@pytest.fixture
def lab(schema):
    """A small pipeline declared the ordinary way; the tests read it back through virtual modules."""

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        species : varchar(30)
        """

    @schema
    class Method(dj.Lookup):
        definition = """
        method : varchar(16)
        """
        contents = [("ephys",), ("imaging",)]

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        ---
        -> Method
        """

        class Trial(dj.Part):
            definition = """
            -> master
            trial : int32
            ---
            signal : <blob>
            """

    @schema
    class Summary(dj.Computed):
        definition = """
        -> Session
        ---
        trials : int32
        """

        def make(self, key):
            self.insert1({**key, "trials": len(Session.Trial & key)})

    Subject.insert([(1, "mouse"), (2, "rat")])
    Session.insert([(1, 1, "ephys"), (1, 2, "imaging"), (2, 1, "ephys")])
    Session.Trial.insert([(1, 1, 0, np.arange(3)), (1, 1, 1, np.eye(2)), (2, 1, 0, np.zeros(4))])
    Summary.populate()
    return schema


@pytest.fixture
def other_schema(schema, connection):
    """A second schema, dropped before the first (its tables refer to the first's)."""
    other = dj.Schema(schema.database + "_b", connection=connection)
    yield other
    if other.exists:
        other.drop(prompt=False)


def test_a_virtual_module_has_a_class_per_table_of_its_tier(lab):
    vm = dj.VirtualModule("vm", lab.database)
    assert issubclass(vm.Subject, dj.Manual)
    assert issubclass(vm.Method, dj.Lookup)
    assert issubclass(vm.Summary, dj.Computed)
    assert issubclass(vm.Session.Trial, dj.Part)
    assert vm.Session.Trial.master is vm.Session
    assert vm.schema.database == lab.database
    assert not hasattr(vm, "Trial")  # a part lives in its master only


def test_virtual_classes_fetch_the_stored_rows(lab):
    vm = dj.virtual_schema(lab.database)
    assert vm.Subject.fetch(as_dict=True, order_by="subject_id") == [
        {"subject_id": 1, "species": "mouse"},
        {"subject_id": 2, "species": "rat"},
    ]
    assert sorted(vm.Method.fetch("method")) == ["ephys", "imaging"]
    assert vm.Subject.primary_key == ["subject_id"]


def test_virtual_classes_decode_blobs(lab):
    vm = dj.create_virtual_module("vm", lab.database)
    signal = (vm.Session.Trial & {"subject_id": 1, "session": 1, "trial": 1}).fetch1("signal")
    np.testing.assert_array_equal(signal, np.eye(2))


def test_virtual_classes_join_and_restrict(lab):
    vm = dj.VirtualModule("vm", lab.database)
    rows = (vm.Subject * vm.Session & "species = 'mouse'").fetch("session", order_by="session")
    assert rows.tolist() == [1, 2]
    counts = (vm.Summary * vm.Subject - {"species": "rat"}).fetch("trials", order_by="session")
    assert counts.tolist() == [2, 0]
    assert len(vm.Session * vm.Session.Trial) == 3


def test_a_second_schema_referencing_the_first_joins_across_virtual_modules(lab, other_schema):
    Subject = dj.VirtualModule("first", lab.database).Subject  # noqa: F841 - named in the definition

    @other_schema
    class Weighing(dj.Manual):
        definition = """
        -> Subject
        weighing : int16
        ---
        grams : float64
        """

    Weighing.insert([(1, 1, 20.5), (2, 1, 300.0)])
    first = dj.VirtualModule("first", lab.database)
    second = dj.VirtualModule("second", other_schema.database)
    joined = (second.Weighing * first.Subject & "species = 'rat'").fetch1()
    assert joined == {"subject_id": 2, "weighing": 1, "grams": 300.0, "species": "rat"}
    assert len(first.Subject & second.Weighing) == 2
    assert second.Weighing.parents() == [first.Subject.full_table_name]


def test_virtual_classes_insert_and_cascade_delete(lab):
    vm = dj.VirtualModule("vm", lab.database)
    vm.Subject.insert1((3, "vole"))
    assert len(vm.Subject & {"subject_id": 3}) == 1
    (vm.Subject & {"subject_id": 1}).delete(prompt=False)
    assert len(vm.Session.Trial) == 1
    assert len(vm.Summary) == 1


def test_make_classes_fills_a_namespace_but_keeps_classes_already_there(lab):
    namespace: dict = {}
    lab.spawn_missing_classes(context=namespace)
    assert {"Subject", "Method", "Session", "Summary"} <= set(namespace)
    kept = namespace["Subject"]
    lab.make_classes(into=namespace)
    assert namespace["Subject"] is kept
    assert len(namespace["Session"].Trial()) == 3


def test_make_classes_skips_tables_whose_classes_are_bound_under_other_names(lab):
    original = dj.VirtualModule("vm", lab.database)
    namespace = {"Person": original.Subject, "Sitting": original.Session}
    del original.Session.Trial  # the part is missing; it is made and nested in the class already there
    lab.make_classes(into=namespace)
    assert "Subject" not in namespace
    assert "Session" not in namespace
    assert namespace["Sitting"].Trial.master is original.Session


def test_make_classes_defaults_to_the_callers_namespace(lab):
    namespace: dict = {}
    exec("schema.spawn_missing_classes()", {"schema": lab}, namespace)  # a caller whose locals are a dict
    assert issubclass(namespace["Subject"], dj.Manual)


def test_a_virtual_module_of_a_missing_schema_is_an_error(connection):
    with pytest.raises(dj.DataJointError, match="does not exist"):
        dj.VirtualModule("vm", "no_such_schema_here")


def test_a_virtual_module_does_not_declare_new_tables(lab):
    vm = dj.VirtualModule("vm", lab.database)

    with pytest.raises(dj.DataJointError, match="create_tables"):

        @vm.schema
        class Extra(dj.Manual):
            definition = """
            extra_id : int32
            """


def test_add_objects_are_in_the_module(lab):
    vm = dj.VirtualModule("vm", lab.database, add_objects={"answer": 42})
    assert vm.answer == 42
