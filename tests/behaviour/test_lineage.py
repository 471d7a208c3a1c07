"""Lineage and the semantic check (DataJoint 2.x): same-named attributes match only when they share an origin.

A small lab pipeline. ``Subject.lab`` and ``Experimenter.lab`` both come from
``Lab`` (foreign keys), so they may be matched; ``Lab.name`` and ``Subject.name``
are declared in place (no lineage), and ``Booking.session`` is a primary-key
attribute of its own, unrelated to ``Session.session``: joins on those are refused.
"""

from __future__ import annotations

import pytest

import joinery as dj
from joinery.lineage import lineage_rows

LABS = [{"lab": "north", "name": "North lab"}, {"lab": "south", "name": "s03"}]
SUBJECTS = [
    {"subject_id": i, "lab": "north" if i % 3 else "south", "name": f"s{i:02d}"} for i in range(1, 10)
]
SESSIONS = [{"subject_id": s["subject_id"], "session": k, "note": f"n{k}"} for s in SUBJECTS for k in (1, 2)]
EXPERIMENTERS = [{"experimenter": "ann", "lab": "north"}, {"experimenter": "bob", "lab": "south"}]
BOOKINGS = [{"session": k, "name": f"room {k}"} for k in (1, 2, 3)]
PAIRS = [
    {"subject_id": 1, "partner_id": 2},
    {"subject_id": 3, "partner_id": 3},
    {"subject_id": 4, "partner_id": 7},
]


@pytest.fixture
def lab(schema):
    """The declared and filled tables, by name."""

    @schema
    class Lab(dj.Lookup):
        definition = """
        lab : varchar(8)
        ---
        name : varchar(30)
        """
        contents = LABS

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        -> Lab
        name : varchar(30)
        """

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : int16
        ---
        note : varchar(30)
        """

    @schema
    class Experimenter(dj.Manual):
        definition = """
        experimenter : varchar(8)
        ---
        -> Lab
        """

    @schema
    class Booking(dj.Manual):
        definition = """
        session : int16   # a booking session of the lab's rooms, unrelated to Session
        ---
        name : varchar(30)
        """

    @schema
    class Pair(dj.Manual):
        definition = """
        -> Subject
        -> Subject.proj(partner_id='subject_id')
        """

    tables = dict(
        Lab=Lab, Subject=Subject, Session=Session, Experimenter=Experimenter, Booking=Booking, Pair=Pair
    )
    Subject.insert(SUBJECTS)
    Session.insert(SESSIONS)
    Experimenter.insert(EXPERIMENTERS)
    Booking.insert(BOOKINGS)
    Pair.insert(PAIRS)
    return type("Lab", (), tables)


def origin(schema, table: str, attribute: str) -> str:
    return f"{schema.database}.{table}.{attribute}"


# -- lineage of stored tables -------------------------------------------------------------------


def test_lineage_follows_foreign_keys_to_the_origin(schema, lab):
    subject_id = origin(schema, "subject", "subject_id")
    assert lab.Subject.heading["subject_id"].lineage == subject_id
    assert lab.Session.heading["subject_id"].lineage == subject_id
    assert lab.Session.heading["session"].lineage == origin(schema, "session", "session")
    assert lab.Subject.heading["lab"].lineage == origin(schema, "#lab", "lab")  # a secondary foreign key
    assert lab.Experimenter.heading["lab"].lineage == origin(schema, "#lab", "lab")


def test_secondary_attributes_declared_in_place_have_no_lineage(lab):
    assert lab.Subject.heading["name"].lineage is None
    assert lab.Session.heading["note"].lineage is None


def test_renamed_foreign_key_keeps_the_parents_lineage(schema, lab):
    assert lab.Pair.heading["partner_id"].lineage == origin(schema, "subject", "subject_id")
    assert lab.Pair.heading["subject_id"].lineage == origin(schema, "subject", "subject_id")


def test_lineage_crosses_schemas(schema, lab):
    other = dj.Schema(schema.database + "_b", connection=schema.connection)
    try:
        Subject = lab.Subject  # noqa: F841  (the foreign key below finds it by name)

        @other
        class Weighing(dj.Manual):
            definition = """
            -> Subject
            weighing : int16
            ---
            grams : float64
            """

        Weighing.insert1({"subject_id": 2, "weighing": 1, "grams": 21.5})
        assert Weighing.heading["subject_id"].lineage == origin(schema, "subject", "subject_id")
        assert Weighing.heading["weighing"].lineage == origin(other, "weighing", "weighing")
        assert (lab.Subject * Weighing).fetch1("name") == "s02"
    finally:
        other.drop(prompt=False)


def test_lineage_rows_are_what_datajoint_keeps_in_its_lineage_table(schema, lab):
    connection, db = schema.connection, schema.database
    assert lineage_rows(connection, db, "subject") == [
        ("subject", "subject_id", origin(schema, "subject", "subject_id")),
        ("subject", "lab", origin(schema, "#lab", "lab")),
    ]
    assert lineage_rows(connection, db, "pair") == [
        ("pair", "subject_id", origin(schema, "subject", "subject_id")),
        ("pair", "partner_id", origin(schema, "subject", "subject_id")),
    ]
    assert lineage_rows(connection, db, "booking") == [
        ("booking", "session", origin(schema, "booking", "session"))
    ]


# -- joins ------------------------------------------------------------------------------------


def test_join_on_attributes_of_one_origin_is_allowed(lab):
    got = lab.Subject * lab.Experimenter  # both `lab` attributes come from Lab
    assert len(got) == sum(1 for s in SUBJECTS for e in EXPERIMENTERS if s["lab"] == e["lab"])
    assert len(lab.Session * lab.Subject) == len(SESSIONS)


def test_join_on_attributes_of_different_origin_is_refused_naming_them(schema, lab):
    with pytest.raises(dj.DataJointError) as info:
        lab.Session * lab.Booking
    message = str(info.value)
    assert message.startswith("Cannot join on attribute `session`: different lineages")
    assert origin(schema, "session", "session") in message and origin(schema, "booking", "session") in message


def test_join_on_secondary_attributes_without_lineage_is_refused(lab):
    with pytest.raises(
        dj.DataJointError, match=r"attribute `name`: lineage missing on one side \(None vs None\)"
    ):
        lab.Lab * lab.Subject


def test_the_error_names_every_mismatched_attribute(lab):
    with pytest.raises(dj.DataJointError) as info:
        lab.Session.proj(name="note") * lab.Booking
    assert "`session`" in str(info.value) and "`name`" in str(info.value)


def test_semantic_check_false_joins_by_name(lab):
    got = lab.Session.join(lab.Booking, semantic_check=False)
    assert len(got) == sum(1 for s in SESSIONS for b in BOOKINGS if s["session"] == b["session"])
    natural = lab.Lab.join(lab.Subject, semantic_check=False)  # on lab *and* name
    assert natural.fetch("subject_id").tolist() == [3]  # the south lab and subject 3 are both named "s03"


def test_extend_checks_lineage(lab):
    got = lab.Subject.extend(lab.Lab.proj(lab_name="name") & {"lab": "north"})
    assert {r["subject_id"]: r["lab_name"] for r in got.to_dicts()} == {
        s["subject_id"]: "North lab" if s["lab"] == "north" else None for s in SUBJECTS
    }
    with pytest.raises(dj.DataJointError, match="`session`"):
        lab.Session.extend(lab.Booking)
    assert len(lab.Session.extend(lab.Booking, semantic_check=False)) == len(SESSIONS)


# -- restriction by a query -------------------------------------------------------------------------


def test_restriction_by_a_query_checks_lineage(lab):
    with pytest.raises(dj.DataJointError, match="`session`"):
        lab.Session & lab.Booking
    with pytest.raises(dj.DataJointError, match="`session`"):
        lab.Session - lab.Booking
    with pytest.raises(dj.DataJointError, match="`session`"):
        lab.Session & [lab.Booking, {"session": 1}]
    with pytest.raises(dj.DataJointError, match="`session`"):
        lab.Session & dj.AndList([dj.Not(lab.Booking)])


def test_restriction_with_semantic_check_false_matches_by_name(lab):
    booked = {b["session"] for b in BOOKINGS if b["session"] != 3}
    got = lab.Session.restrict(lab.Booking & "session < 3", semantic_check=False)
    assert len(got) == sum(1 for s in SESSIONS if s["session"] in booked)


def test_restriction_by_a_related_query_is_allowed(lab):
    north = lab.Subject & (lab.Experimenter & {"experimenter": "ann"})
    assert sorted(north.fetch("subject_id").tolist()) == [
        s["subject_id"] for s in SUBJECTS if s["lab"] == "north"
    ]
    assert len(lab.Session - lab.Pair) == sum(1 for s in SESSIONS if s["subject_id"] not in (1, 3, 4))


def test_restriction_by_universal_set_keeps_every_row(lab):
    assert len(lab.Session & dj.U("session")) == len(SESSIONS)


# -- renamed foreign keys and projections --------------------------------------------------------------


def test_join_through_a_renamed_foreign_key(lab):
    partners = lab.Subject.proj(partner_id="subject_id", partner_name="name")
    got = lab.Pair * partners
    names = {s["subject_id"]: s["name"] for s in SUBJECTS}
    assert {(r["subject_id"], r["partner_name"]) for r in got.to_dicts()} == {
        (p["subject_id"], names[p["partner_id"]]) for p in PAIRS
    }
    assert len(lab.Pair & lab.Subject.proj(partner_id="subject_id")) == len(PAIRS)


def test_renaming_does_not_make_different_origins_compatible(lab):
    with pytest.raises(dj.DataJointError, match="`partner_id`: different lineages"):
        lab.Pair * lab.Booking.proj(partner_id="session")


def test_duplicated_attribute_keeps_its_lineage(lab):
    twin = lab.Subject.proj(partner_id="(subject_id)")
    assert twin.heading.names == ["subject_id", "partner_id"]
    assert twin.heading["partner_id"].lineage == lab.Subject.heading["subject_id"].lineage
    assert [r["subject_id"] for r in (lab.Pair * twin).to_dicts()] == [3]  # partner_id == subject_id


def test_computed_attributes_have_no_lineage(lab):
    left = lab.Subject.proj(x="subject_id + 1")
    right = lab.Booking.proj(x="session + 1")
    assert left.heading["x"].lineage is None
    with pytest.raises(dj.DataJointError, match=r"`x`: lineage missing on one side \(None vs None\)"):
        left * right
    assert len(left.join(right, semantic_check=False)) == sum(
        1 for s in SUBJECTS for b in BOOKINGS if s["subject_id"] == b["session"]
    )


# -- aggregation and dj.U ----------------------------------------------------------------------------


def test_aggr_checks_lineage(lab):
    counts = lab.Subject.aggr(lab.Session, n="count(*)")
    assert dict(zip(*counts.fetch("subject_id", "n"))) == {s["subject_id"]: 2 for s in SUBJECTS}
    with pytest.raises(dj.DataJointError, match="`name`"):
        lab.Lab.aggr(lab.Subject, n="count(*)")  # Lab.name and Subject.name are unrelated
    per_lab = lab.Lab.aggr(lab.Subject.proj("lab"), n="count(*)")
    assert dict(zip(*per_lab.fetch("lab", "n"))) == {"north": 6, "south": 3}


def test_aggr_results_keep_the_grouping_lineage_and_compute_none(schema, lab):
    per_lab = lab.Lab.aggr(lab.Subject.proj("lab"), n="count(*)")
    assert per_lab.heading["lab"].lineage == origin(schema, "#lab", "lab")
    assert per_lab.heading["n"].lineage is None
    assert len(per_lab * lab.Experimenter) == len(EXPERIMENTERS)


def test_universal_set_keeps_lineage(schema, lab):
    labs = dj.U("lab") & lab.Subject
    assert labs.heading["lab"].lineage == origin(schema, "#lab", "lab")
    assert len(labs * lab.Experimenter) == 2
    per_lab = dj.U("lab").aggr(lab.Subject, n="count(*)")
    assert per_lab.heading["n"].lineage is None
    assert sorted((per_lab * lab.Experimenter).fetch("experimenter").tolist()) == ["ann", "bob"]
