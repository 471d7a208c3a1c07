"""Changing and removing rows: update1, cascading delete, safemode, delete_quick, drop, Schema.drop."""

from __future__ import annotations

import builtins

import pytest

import joinery as dj
from joinery import errors


@pytest.fixture
def pipeline(schema):
    """Subject -> Session -> Scan (with part Scan.Roi) -> Trace; Session -> Note (renamed key)."""

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        name : varchar(16)
        weight = null : float64
        sex = 'U' : enum('F', 'M', 'U')
        """

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        """

    @schema
    class Scan(dj.Manual):
        definition = """
        -> Session
        scan : int16
        """

        class Roi(dj.Part):
            definition = """
            -> master
            roi : int16
            """

    @schema
    class Trace(dj.Manual):
        definition = """
        -> Scan.Roi
        ---
        value : float64
        """

    @schema
    class Review(dj.Manual):
        definition = """
        review : int16
        ---
        -> Session.proj(reviewed_subject='subject_id', reviewed_session='session')
        """

    Subject.insert([(1, "ann", 20.5, "F"), (2, "bob", None, "M")])
    Session.insert([(1, 1), (1, 2), (2, 1)])
    Scan.insert([(1, 1, 1), (1, 2, 1), (2, 1, 1)])
    Scan.Roi.insert([(1, 1, 1, 1), (1, 1, 1, 2), (1, 2, 1, 1), (2, 1, 1, 1)])
    Trace.insert([(1, 1, 1, 1, 0.5), (2, 1, 1, 1, 0.7)])
    Review.insert([(1, 1, 2), (2, 2, 1)])
    return {t.__name__: t for t in (Subject, Session, Scan, Trace, Review)}


def _counts(pipeline):
    tables = {**pipeline, "Roi": pipeline["Scan"].Roi}
    return {name: len(table) for name, table in tables.items()}


# -- update1 ---------------------------------------------------------------------------------


def test_update1_changes_secondary_attributes(pipeline):
    Subject = pipeline["Subject"]
    Subject.update1({"subject_id": 1, "name": "anne", "weight": 21.0})
    assert (Subject & {"subject_id": 1}).fetch1() == {
        "subject_id": 1,
        "name": "anne",
        "weight": 21.0,
        "sex": "F",
    }
    assert (Subject & {"subject_id": 2}).fetch1("name") == "bob"


def test_update1_with_none_restores_the_default(pipeline):
    Subject = pipeline["Subject"]
    Subject.update1({"subject_id": 1, "weight": None, "sex": None})
    assert (Subject & {"subject_id": 1}).fetch1("weight", "sex") == (None, "U")


def test_update1_of_a_missing_row_is_refused(pipeline):
    Subject = pipeline["Subject"]
    with pytest.raises(dj.DataJointError, match="existing"):
        Subject.update1({"subject_id": 9, "name": "nobody"})
    assert len(Subject) == 2


def test_update1_cannot_change_the_primary_key(pipeline):
    Subject = pipeline["Subject"]
    with pytest.raises(dj.DataJointError, match="(?i)primary.key"):
        Subject.update1({"subject_id": 1})
    with pytest.raises(dj.DataJointError, match="(?i)primary.key"):
        Subject.update1({"name": "ann"})
    assert sorted(Subject.fetch("subject_id")) == [1, 2]


def test_update1_of_an_unknown_attribute_is_refused(pipeline):
    Subject = pipeline["Subject"]
    with pytest.raises(errors.UnknownAttributeError, match="age"):
        Subject.update1({"subject_id": 1, "age": 3})


def test_update1_with_a_bad_value_changes_nothing(pipeline):
    Subject = pipeline["Subject"]
    with pytest.raises(errors.DataTypeError, match="sex"):
        Subject.update1({"subject_id": 1, "name": "anne", "sex": "X"})
    assert (Subject & {"subject_id": 1}).fetch1("name", "sex") == ("ann", "F")


def test_update1_on_a_restricted_table_is_refused(pipeline):
    Subject = pipeline["Subject"]
    with pytest.raises(dj.DataJointError, match="restricted"):
        (Subject & {"subject_id": 1}).update1({"subject_id": 1, "name": "anne"})


def test_update1_takes_a_dict_only(pipeline):
    with pytest.raises(dj.DataJointError, match="dict"):
        pipeline["Subject"].update1((1, "anne"))


# -- delete --------------------------------------------------------------------------------


def test_delete_cascades_to_every_dependent_table(pipeline):
    Subject = pipeline["Subject"]
    deleted = (Subject & {"subject_id": 1}).delete()
    assert deleted == 1
    assert _counts(pipeline) == {"Subject": 1, "Session": 1, "Scan": 1, "Roi": 1, "Trace": 1, "Review": 1}
    assert pipeline["Review"].fetch1("reviewed_subject") == 2


def test_delete_follows_renamed_foreign_keys(pipeline):
    Session = pipeline["Session"]
    (Session & {"subject_id": 2}).delete()
    assert list(pipeline["Review"].fetch("review")) == [1]
    assert len(pipeline["Trace"]) == 1


def test_delete_of_a_whole_table(pipeline):
    assert pipeline["Subject"].delete() == 2
    assert set(_counts(pipeline).values()) == {0}


def test_delete_by_restriction_string(pipeline):
    (pipeline["Subject"] & "name = 'bob'").delete()
    assert list(pipeline["Subject"].fetch("name")) == ["ann"]
    assert len(pipeline["Session"]) == 2


def test_delete_restricted_by_a_dependent_table(pipeline):
    Subject, Session, Scan = pipeline["Subject"], pipeline["Session"], pipeline["Scan"]
    Session.insert1((2, 2))
    (Subject & (Scan & {"session": 2})).delete()
    assert list(Subject.fetch("subject_id")) == [2]
    assert len(Session) == 2
    (Subject - Scan).delete()
    assert list(Subject.fetch("subject_id")) == [2]
    (Session - Scan).delete()
    assert Session.fetch(as_dict=True) == [{"subject_id": 2, "session": 1}]


def test_delete_of_nothing_deletes_nothing(pipeline):
    assert (pipeline["Subject"] & {"subject_id": 99}).delete() == 0
    assert _counts(pipeline)["Subject"] == 2


def test_delete_cascades_through_a_diamond(schema):
    @schema
    class Top(dj.Manual):
        definition = "top : int16"

    @schema
    class Left(dj.Manual):
        definition = """
        -> Top
        left : int16
        """

    @schema
    class Right(dj.Manual):
        definition = """
        -> Top
        right : int16
        """

    @schema
    class Bottom(dj.Manual):
        definition = """
        -> Left
        -> Right
        """

    Top.insert([(1,), (2,)])
    Left.insert([(1, 1), (2, 1)])
    Right.insert([(1, 1), (1, 2), (2, 1)])
    Bottom.insert([(1, 1, 1), (1, 1, 2), (2, 1, 1)])
    (Top & {"top": 1}).delete()
    assert Bottom.fetch(as_dict=True) == [{"top": 2, "left": 1, "right": 1}]
    assert len(Left) == len(Right) == len(Top) == 1
    (Right & {"top": 2}).delete()
    assert len(Bottom) == 0
    assert len(Left) == 1


def test_delete_is_one_transaction(pipeline, monkeypatch):
    """A failure part-way through the cascade leaves every table as it was."""
    from joinery import delete as delete_module

    calls = []
    original = delete_module.delete_quick

    def failing(table):
        calls.append(table.full_table_name)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return original(table)

    monkeypatch.setattr(delete_module, "delete_quick", failing)
    before = _counts(pipeline)
    with pytest.raises(RuntimeError):
        pipeline["Subject"].delete()
    assert len(calls) == 3
    assert _counts(pipeline) == before


def test_safemode_delete_asks_and_yes_deletes(pipeline, monkeypatch, capsys):
    questions = []
    monkeypatch.setattr(builtins, "input", lambda question="": questions.append(question) or "yes")
    with dj.config.override(safemode=True):
        (pipeline["Subject"] & {"subject_id": 2}).delete()
    assert len(questions) == 1
    assert "subject" in capsys.readouterr().out
    assert sorted(pipeline["Subject"].fetch("subject_id")) == [1]


def test_safemode_delete_answered_no_keeps_everything(pipeline, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda question="": "no")
    before = _counts(pipeline)
    with dj.config.override(safemode=True):
        assert pipeline["Subject"].delete() == 0
    assert _counts(pipeline) == before


def test_prompt_argument_overrides_safemode(pipeline, monkeypatch):
    def no_questions(question=""):
        raise AssertionError("asked although prompt=False")

    monkeypatch.setattr(builtins, "input", no_questions)
    with dj.config.override(safemode=True):
        (pipeline["Subject"] & {"subject_id": 2}).delete(prompt=False)
    assert len(pipeline["Subject"]) == 1
    monkeypatch.setattr(builtins, "input", lambda question="": "no")
    pipeline["Subject"].delete(prompt=True)
    assert len(pipeline["Subject"]) == 1


def test_delete_quick_does_not_cascade(pipeline):
    Trace, Subject = pipeline["Trace"], pipeline["Subject"]
    (Trace & {"subject_id": 1}).delete_quick()
    assert len(Trace) == 1
    assert pipeline["Trace"].delete_quick(get_count=True) == 1
    with pytest.raises(errors.IntegrityError):
        (Subject & {"subject_id": 1}).delete_quick()
    assert len(Subject) == 2


def test_deleting_from_a_part_alone_is_refused(pipeline):
    Roi = pipeline["Scan"].Roi
    before = _counts(pipeline)
    with pytest.raises(dj.DataJointError, match="master"):
        (Roi & {"subject_id": 1, "session": 1, "roi": 2}).delete()
    with pytest.raises(dj.DataJointError, match="master"):
        Roi.delete()
    assert _counts(pipeline) == before


def test_deleting_from_a_part_with_ignore(pipeline):
    Roi = pipeline["Scan"].Roi
    (Roi & {"subject_id": 1, "session": 1, "roi": 2}).delete(part_integrity="ignore")
    assert len(Roi) == 3
    assert len(pipeline["Scan"]) == 3


def test_deleting_from_a_part_with_cascade_deletes_its_master(pipeline):
    Roi, Scan = pipeline["Scan"].Roi, pipeline["Scan"]
    (Roi & {"subject_id": 1, "session": 1, "roi": 2}).delete(part_integrity="cascade")
    assert len(Scan & {"subject_id": 1, "session": 1}) == 0
    assert len(Roi) == 2  # the master's other part rows go with it
    assert len(Scan) == 2


def test_cascade_that_reaches_a_part_without_its_master_is_refused(schema):
    @schema
    class Channel(dj.Manual):
        definition = "channel : int16"

    @schema
    class Recording(dj.Manual):
        definition = "recording : int16"

        class Signal(dj.Part):
            definition = """
            -> master
            -> Channel
            """

    Channel.insert([(1,), (2,)])
    Recording.insert1((1,))
    Recording.Signal.insert([(1, 1), (1, 2)])
    with pytest.raises(dj.DataJointError, match="master"):
        (Channel & {"channel": 1}).delete()
    assert len(Recording.Signal) == 2
    (Channel & {"channel": 1}).delete(part_integrity="cascade")
    assert len(Recording) == 0
    assert len(Channel) == 1


def test_deleting_a_master_deletes_its_parts(pipeline):
    (pipeline["Scan"] & {"subject_id": 1}).delete()
    assert _counts(pipeline)["Roi"] == 1
    assert _counts(pipeline)["Trace"] == 1


def test_bad_part_integrity_value_is_refused(pipeline):
    with pytest.raises(ValueError, match="part_integrity"):
        pipeline["Subject"].delete(part_integrity="sometimes")


# -- drop ----------------------------------------------------------------------------------


def _tables(schema):
    return set(schema.list_tables())


def test_drop_drops_dependent_tables(schema, pipeline):
    pipeline["Scan"].drop()
    assert _tables(schema) == {"subject", "session", "review"}
    assert len(pipeline["Session"]) == 3


def test_drop_asks_in_safemode(schema, pipeline, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda question="": "no")
    with dj.config.override(safemode=True):
        pipeline["Subject"].drop()
    assert len(_tables(schema)) == 6
    monkeypatch.setattr(builtins, "input", lambda question="": "yes")
    with dj.config.override(safemode=True):
        pipeline["Session"].drop()
    assert _tables(schema) == {"subject"}


def test_drop_of_a_part_alone_is_refused(schema, pipeline):
    with pytest.raises(dj.DataJointError, match="master"):
        pipeline["Scan"].Roi.drop()
    assert len(_tables(schema)) == 6


def test_drop_of_a_restricted_table_is_refused(schema, pipeline):
    with pytest.raises(dj.DataJointError, match="restricted"):
        (pipeline["Subject"] & {"subject_id": 1}).drop()


def test_dropped_table_can_be_declared_again(schema):
    @schema
    class Thing(dj.Manual):
        definition = "thing : int16"

    Thing.insert1((1,))
    Thing.drop()

    @schema
    class Thing(dj.Manual):  # noqa: F811
        definition = """
        thing : int16
        ---
        label = '' : varchar(8)
        """

    assert len(Thing) == 0
    assert Thing.heading.names == ["thing", "label"]


def test_schema_drop_removes_every_table(schema, pipeline):
    schema.drop(prompt=False)
    assert not schema.exists
    assert schema.database not in dj.list_schemas(schema.connection)
    assert schema.connection.catalog.list_tables(schema.database) == []


def test_schema_drop_asks_in_safemode(schema, pipeline, monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda question="": "no")
    with dj.config.override(safemode=True):
        schema.drop()
    assert schema.exists
    assert len(_tables(schema)) == 6


def test_schema_drop_refused_while_another_schema_refers_to_it_keeps_everything(schema, connection):
    other = dj.Schema(schema.database + "_child", connection=connection)

    @schema
    class Animal(dj.Manual):
        definition = "animal : int16"

    @schema
    class Tag(dj.Manual):
        definition = """
        -> Animal
        tag : varchar(8)
        """

    @other
    class Weighing(dj.Manual):
        definition = """
        -> Animal
        weighing : int16
        """

    Animal.insert1((1,))
    Tag.insert1((1, "ear"))
    Weighing.insert1((1, 1))
    try:
        with pytest.raises(dj.DataJointError):
            schema.drop(prompt=False)
        assert schema.exists
        assert set(schema.list_tables()) == {"animal", "tag"}
        assert len(Animal) == len(Tag) == len(Weighing) == 1
    finally:
        other.drop(prompt=False)
