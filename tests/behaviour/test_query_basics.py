"""The query algebra on a small university: restrict, join, proj, aggr, dj.U, union, dj.Top.

The data are generated deterministically; every expected answer is computed
again in plain Python from the same rows and compared with what the query
returns. Joins are natural joins on every common attribute (``Student`` and
``Enroll`` share ``dept``: a student's enrollments in their home department).
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

import joinery as dj

DEPTS = ["BIO", "CHEM", "CS", "MATH", "PHYS", "ART"]  # ART has no courses and no students
TERMS = ["F2020", "S2021", "F2021"]


def make_data() -> dict[str, list[dict]]:
    """The rows of every table, generated from a fixed seed."""
    rng = random.Random(20240611)
    departments = [{"dept": d, "dept_name": f"Department of {d}"} for d in DEPTS]
    students = [
        {
            "student_id": 1000 + i,
            "name": f"s{i:03d}",
            "dept": rng.choice(DEPTS[:5]),
            "year": rng.randint(1, 4),
            "gpa": None if rng.random() < 0.1 else round(rng.uniform(1.5, 4.0), 2),
        }
        for i in range(300)
    ]
    courses = [
        {"dept": d, "course": 100 + 10 * k + j, "title": f"{d} {k}{j}", "credits": rng.choice([2, 3, 4])}
        for d in DEPTS[:5]
        for k, j in [(1, 0), (1, 1), (2, 0), (3, 0)]
    ]
    sections = [
        {
            "dept": c["dept"],
            "course": c["course"],
            "term": t,
            "room": None if rng.random() < 0.2 else f"R{rng.randint(1, 30)}",
        }
        for c in courses
        for t in TERMS
        if rng.random() < 0.7
    ]
    enroll, seen = [], set()
    for s in students:
        for sec in rng.sample(sections, rng.randint(0, 6)):
            key = (s["student_id"], sec["dept"], sec["course"], sec["term"])
            if key not in seen:
                seen.add(key)
                enroll.append(dict(zip(("student_id", "dept", "course", "term"), key)))
    grades = [{**e, "score": round(rng.uniform(40, 100), 1)} for e in enroll if rng.random() < 0.8]
    return {
        "Department": departments,
        "Student": students,
        "Course": courses,
        "Section": sections,
        "Enroll": enroll,
        "Grade": grades,
    }


DATA = make_data()


@pytest.fixture
def uni(schema):
    """The declared and filled tables, by name."""

    @schema
    class Department(dj.Lookup):
        definition = """
        dept : varchar(6)
        ---
        dept_name : varchar(40)
        """

    @schema
    class Student(dj.Manual):
        definition = """
        student_id : int32
        ---
        name : varchar(30)
        -> Department
        year : int16
        gpa = null : float64
        """

    @schema
    class Course(dj.Manual):
        definition = """
        -> Department
        course : int16
        ---
        title : varchar(60)
        credits : int16
        """

    @schema
    class Section(dj.Manual):
        definition = """
        -> Course
        term : char(5)
        ---
        room = null : varchar(10)
        """

    @schema
    class Enroll(dj.Manual):
        definition = """
        -> Student
        -> Section
        """

    @schema
    class Grade(dj.Manual):
        definition = """
        -> Enroll
        ---
        score : float64
        """

    tables = {
        "Department": Department,
        "Student": Student,
        "Course": Course,
        "Section": Section,
        "Enroll": Enroll,
        "Grade": Grade,
    }
    for name, table in tables.items():
        table.insert(DATA[name])
    return type("Uni", (), tables)


# -- helpers: the same operations in plain Python ------------------------------------------------


def keyset(rows, attrs) -> set[tuple]:
    return {tuple(r[a] for a in attrs) for r in rows}


def natural_join(left: list[dict], right: list[dict]) -> list[dict]:
    common = [a for a in left[0] if a in right[0]] if left and right else []
    index = defaultdict(list)
    for r in right:
        index[tuple(r[a] for a in common)].append(r)
    return [{**r, **row} for row in left for r in index[tuple(row[a] for a in common)]]


def ids(query) -> list:
    return sorted(query.fetch("student_id").tolist())


def py_ids(rows) -> list:
    return sorted(r["student_id"] for r in rows)


S = DATA["Student"]


# -- restriction ---------------------------------------------------------------------------------


def test_restrict_by_dict_ignores_attributes_not_in_query(uni):
    got = uni.Student & {"dept": "MATH", "not_an_attribute": 5, "term": "F2020"}
    assert ids(got) == py_ids(r for r in S if r["dept"] == "MATH")


def test_restrict_by_dict_without_common_attributes_keeps_everything(uni):
    assert len(uni.Student & {"nothing": 1}) == len(S)


def test_restrict_by_dict_with_none_matches_null(uni):
    assert ids(uni.Student & {"gpa": None}) == py_ids(r for r in S if r["gpa"] is None)


def test_restrict_by_sql_string_in_mysql_flavour(uni):
    got = uni.Student & 'gpa > 3.0 AND dept = "CS" AND `year` >= 2'
    assert ids(got) == py_ids(
        r for r in S if r["gpa"] is not None and r["gpa"] > 3 and r["dept"] == "CS" and r["year"] >= 2
    )


def test_restrict_by_string_with_null_test(uni):
    assert ids(uni.Student & "gpa IS NULL") == py_ids(r for r in S if r["gpa"] is None)


def test_restrict_by_another_table_is_a_semijoin(uni):
    # natural join on student_id *and* dept: enrolled in a section of the home department
    enrolled = keyset(DATA["Enroll"], ["student_id", "dept"])
    assert ids(uni.Student & uni.Enroll) == py_ids(r for r in S if (r["student_id"], r["dept"]) in enrolled)


def test_restrict_by_restricted_query(uni):
    f2021 = {e["student_id"] for e in DATA["Enroll"] if e["term"] == "F2021"}
    got = uni.Student.proj() & (uni.Enroll & {"term": "F2021"})
    assert ids(got) == sorted(f2021)


def test_restrict_by_list_is_or(uni):
    got = uni.Student & [{"dept": "MATH"}, "gpa < 2", {"student_id": 1001}]
    expected = [
        r
        for r in S
        if r["dept"] == "MATH" or (r["gpa"] is not None and r["gpa"] < 2) or r["student_id"] == 1001
    ]
    assert ids(got) == py_ids(expected)


def test_table_classes_inside_lists_and_andlists(uni):
    with_grades = {g["student_id"] for g in DATA["Grade"]}
    enrolled = {e["student_id"] for e in DATA["Enroll"]}
    Graded = uni.Grade  # a class, not an instance
    student = uni.Student.proj()
    assert ids(student & dj.AndList([Graded, uni.Enroll])) == sorted(with_grades & enrolled)
    assert ids(student & [Graded, {"student_id": 1000}]) == sorted(with_grades | {1000})


def test_restrict_by_andlist_is_and(uni):
    got = uni.Student & dj.AndList(["gpa > 2", {"dept": "PHYS"}, ["year = 1", "year = 4"]])
    expected = [
        r for r in S if r["gpa"] is not None and r["gpa"] > 2 and r["dept"] == "PHYS" and r["year"] in (1, 4)
    ]
    assert ids(got) == py_ids(expected)


def test_restrict_by_not(uni):
    got = uni.Student & dj.Not({"dept": "MATH"})
    assert ids(got) == py_ids(r for r in S if r["dept"] != "MATH")
    assert ids(got) == ids(uni.Student - {"dept": "MATH"})


def test_restrict_by_true_false_and_empty_collections(uni):
    assert len(uni.Student & True) == len(S)
    assert len(uni.Student & False) == 0
    assert len(uni.Student - False) == len(S)
    assert len(uni.Student & []) == 0
    assert len(uni.Student - []) == len(S)
    assert len(uni.Student & dj.AndList([])) == len(S)
    assert len(uni.Student - dj.AndList([])) == 0


def test_restrict_by_record_array(uni):
    records = (uni.Student & "year = 3").proj("dept").fetch()
    got = uni.Enroll & records
    wanted = {(r["student_id"], r["dept"]) for r in S if r["year"] == 3}
    expected = [e for e in DATA["Enroll"] if (e["student_id"], e["dept"]) in wanted]
    assert sorted(got.fetch("KEY"), key=str) == sorted(expected, key=str)


def test_restrict_by_dataframe(uni):
    frame = (uni.Student & {"year": 2}).proj("dept").to_pandas()  # indexed by student_id
    assert ids(uni.Student & frame) == py_ids(r for r in S if r["year"] == 2)


def test_restrict_by_ten_thousand_keys_is_fast(schema):
    @schema
    class Big(dj.Manual):
        definition = """
        a : int32
        b : int16
        ---
        v : float64
        """

    Big.insert(({"a": i // 10, "b": i % 10, "v": i / 7} for i in range(30000)), skip_duplicates=False)
    keys = [{"a": i // 10, "b": i % 10, "extra": "ignored"} for i in range(0, 60000, 6)]
    start = time.perf_counter()
    got = (Big & keys).fetch("v")
    elapsed = time.perf_counter() - start
    assert len(got) == 5000
    assert elapsed < 1.0, f"restricting by 10,000 keys took {elapsed:.2f} s"
    assert len(Big - keys) == 25000


def test_anti_restriction(uni):
    graded = keyset(DATA["Grade"], ["student_id", "dept", "course", "term"])
    got = uni.Enroll - uni.Grade
    assert len(got) == len(DATA["Enroll"]) - len(DATA["Grade"])
    assert all((k["student_id"], k["dept"], k["course"], k["term"]) not in graded for k in got.fetch("KEY"))
    # renaming the course's dept leaves student_id as the only common attribute
    assert ids(uni.Student - uni.Enroll.proj(course_dept="dept")) == py_ids(
        r for r in S if r["student_id"] not in {e["student_id"] for e in DATA["Enroll"]}
    )


def test_restriction_by_unknown_attribute_in_string_raises(uni):
    with pytest.raises(dj.DataJointError):
        (uni.Student & "no_such_column > 3").fetch()


# -- join -----------------------------------------------------------------------------------


def test_join_matches_on_all_common_attributes(uni):
    got = uni.Student * uni.Enroll
    expected = natural_join(S, DATA["Enroll"])
    assert len(got) == len(expected)
    assert keyset(got.to_dicts(), ["student_id", "course", "term", "name"]) == keyset(
        expected, ["student_id", "course", "term", "name"]
    )


def test_join_primary_key_follows_functional_dependency(uni):
    # Student -> Department, so the join keeps Student's key (DataJoint 2.x)
    assert (uni.Student * uni.Department).primary_key == ["student_id"]
    assert (uni.Enroll * uni.Student).primary_key == ["student_id", "dept", "course", "term"]
    assert (uni.Department * uni.Student).primary_key == ["student_id"]


def test_join_of_three_tables_with_attributes(uni):
    got = (uni.Grade * uni.Section * uni.Course).proj("score", "credits", "room")
    courses = {(c["dept"], c["course"]): c for c in DATA["Course"]}
    rooms = {(s["dept"], s["course"], s["term"]): s["room"] for s in DATA["Section"]}
    rows = got.to_dicts()
    assert len(rows) == len(DATA["Grade"])
    for row in rows:
        assert row["credits"] == courses[(row["dept"], row["course"])]["credits"]
        assert row["room"] == rooms[(row["dept"], row["course"], row["term"])]


def test_join_with_a_join_on_the_right(uni):
    left_first = (uni.Grade * uni.Section) * uni.Course
    right_first = uni.Grade * (uni.Section * uni.Course)
    assert len(right_first) == len(left_first) == len(DATA["Grade"])
    assert sorted(right_first.fetch("score").tolist()) == sorted(g["score"] for g in DATA["Grade"])


def test_extend_keeps_every_row_of_the_left_side(uni):
    got = uni.Section.extend(uni.Course.proj("credits") & "credits = 3")
    credits = {(c["dept"], c["course"]): c["credits"] for c in DATA["Course"]}
    rows = got.to_dicts()
    assert got.primary_key == ["dept", "course", "term"]
    assert len(rows) == len(DATA["Section"])
    for r in rows:
        expected = credits[(r["dept"], r["course"])]
        assert r["credits"] == (expected if expected == 3 else None)
    with pytest.raises(dj.DataJointError):
        uni.Course.extend(uni.Section)  # term is not in Course


def test_join_with_a_projection_of_itself(uni):
    got = uni.Student * uni.Student.proj(other_name="name")
    rows = got.to_dicts()
    assert len(rows) == len(S)
    assert all(r["name"] == r["other_name"] for r in rows)


def test_join_with_an_empty_table_is_empty(schema, uni):
    Student = uni.Student  # noqa: F841  (the foreign key below finds it by name)

    @schema
    class Advisor(dj.Manual):
        definition = """
        -> Student
        ---
        advisor : varchar(20)
        """

    assert len(uni.Student * Advisor) == 0
    assert len(uni.Student - Advisor) == len(S)


# -- projection ---------------------------------------------------------------------------------


def test_proj_with_no_arguments_keeps_the_primary_key(uni):
    assert uni.Student.proj().heading.names == ["student_id"]


def test_proj_renames(uni):
    got = uni.Student.proj("gpa", student_name="name")
    assert got.heading.names == ["student_id", "gpa", "student_name"]
    row = (got & {"student_id": 1005}).fetch1()
    assert row["student_name"] == S[5]["name"] and row["gpa"] == S[5]["gpa"]


def test_proj_renames_the_primary_key(uni):
    got = uni.Department.proj(code="dept")
    assert got.primary_key == ["code"]
    assert sorted(got.fetch("code")) == sorted(DEPTS)


def test_proj_ellipsis_minus_attribute(uni):
    got = uni.Student.proj(..., "-gpa", "-year")
    assert got.heading.names == ["student_id", "name", "dept"]
    assert len(got) == len(S)


def test_proj_computed_attribute(uni):
    got = uni.Student.proj(score="year * 10 + student_id", half="gpa / 2")
    rows = {r["student_id"]: r for r in got.to_dicts()}
    for s in S:
        assert rows[s["student_id"]]["score"] == s["year"] * 10 + s["student_id"]
        if s["gpa"] is None:
            assert rows[s["student_id"]]["half"] is None
        else:
            assert rows[s["student_id"]]["half"] == pytest.approx(s["gpa"] / 2)


def test_restrict_on_a_computed_attribute(uni):
    got = uni.Student.proj(twice="year + year") & "twice > 6"
    assert ids(got) == py_ids(r for r in S if r["year"] * 2 > 6)


def test_proj_of_unknown_attribute_raises(uni):
    with pytest.raises(dj.DataJointError):
        uni.Student.proj("nope")


# -- aggregation --------------------------------------------------------------------------------


def test_aggr_count_keeps_rows_without_matches_with_zero(uni):
    got = uni.Student.aggr(uni.Enroll.proj(course_dept="dept"), n="count(*)")
    counts = Counter(e["student_id"] for e in DATA["Enroll"])
    rows = got.to_dicts()
    assert len(rows) == len(S)
    assert {r["student_id"]: r["n"] for r in rows} == {
        s["student_id"]: counts.get(s["student_id"], 0) for s in S
    }
    assert any(r["n"] == 0 for r in rows)


def test_aggr_several_aggregates(uni):
    got = uni.Section.aggr(uni.Grade, n="count(*)", best="max(score)", mean="avg(score)")
    per = defaultdict(list)
    for g in DATA["Grade"]:
        per[(g["dept"], g["course"], g["term"])].append(g["score"])
    rows = got.to_dicts()
    assert len(rows) == len(DATA["Section"])
    for r in rows:
        scores = per[(r["dept"], r["course"], r["term"])]
        assert r["n"] == len(scores)
        assert r["best"] == (max(scores) if scores else None)
        assert r["mean"] == (pytest.approx(sum(scores) / len(scores)) if scores else None)


def test_aggr_exclude_nonmatching(uni):
    got = uni.Department.aggr(uni.Course, n="count(*)", exclude_nonmatching=True)
    assert sorted(got.fetch("dept")) == sorted(DEPTS[:5])
    everything = uni.Department.aggr(uni.Course, n="count(*)")
    assert dict(zip(*everything.fetch("dept", "n"))) == {**{d: 4 for d in DEPTS[:5]}, "ART": 0}


def test_aggr_keeps_named_attributes_of_the_grouping_side(uni):
    got = uni.Student.aggr(uni.Enroll, "name", n="count(*)") & "n >= 3"
    counts = Counter((e["student_id"], e["dept"]) for e in DATA["Enroll"])
    expected = [s for s in S if counts[(s["student_id"], s["dept"])] >= 3]
    assert sorted(got.fetch("name").tolist()) == sorted(s["name"] for s in expected)


def test_aggr_needs_the_group_to_hold_the_primary_key(uni):
    with pytest.raises(dj.DataJointError):
        uni.Enroll.aggr(uni.Student, n="count(*)")


def test_universal_set_gives_distinct_values(uni):
    got = dj.U("dept", "year") & uni.Student
    assert got.primary_key == ["dept", "year"]
    assert keyset(got.to_dicts(), ["dept", "year"]) == keyset(S, ["dept", "year"])
    assert len(got) == len(keyset(S, ["dept", "year"]))


def test_universal_set_aggregation_per_value(uni):
    got = dj.U("term").aggr(uni.Enroll, n="count(*)")
    assert dict(zip(*got.fetch("term", "n"))) == dict(Counter(e["term"] for e in DATA["Enroll"]))


def test_universal_set_aggregation_groups_nulls_together(uni):
    got = dj.U("room").aggr(uni.Section, n="count(*)")
    assert dict(zip(*got.fetch("room", "n"))) == dict(Counter(s["room"] for s in DATA["Section"]))


def test_universal_set_aggregation_of_everything(uni):
    assert dj.U().aggr(uni.Student, n="count(*)").fetch1("n") == len(S)
    empty = dj.U().aggr(uni.Student & False, n="count(*)", top="max(gpa)")
    assert empty.fetch1() == {"n": 0, "top": None}
    assert len(empty) == 1 and bool(empty)


# -- union ---------------------------------------------------------------------------------


def test_union_of_restrictions_of_one_table(uni):
    got = (uni.Student & "gpa > 3.5").proj() + (uni.Student & {"dept": "MATH"}).proj()
    expected = [r for r in S if (r["gpa"] is not None and r["gpa"] > 3.5) or r["dept"] == "MATH"]
    assert ids(got) == py_ids(expected)
    assert len(got) == len(expected)


def test_union_merges_different_secondary_attributes(uni):
    left = (uni.Student & "year = 1").proj("name")
    right = (uni.Student & "year <= 2").proj("gpa")
    rows = {r["student_id"]: r for r in (left + right).to_dicts()}
    assert sorted(rows) == py_ids(r for r in S if r["year"] <= 2)
    for s in S:
        if s["year"] <= 2:
            assert rows[s["student_id"]]["name"] == (s["name"] if s["year"] == 1 else None)
            assert rows[s["student_id"]]["gpa"] == s["gpa"]


def test_union_rules(uni):
    with pytest.raises(dj.DataJointError):
        uni.Student + uni.Department  # different primary keys
    with pytest.raises(dj.DataJointError):
        uni.Student + uni.Student  # shared secondary attributes


# -- dj.Top --------------------------------------------------------------------------------


def test_top_by_attribute(uni):
    got = uni.Student & "gpa IS NOT NULL" & dj.Top(5, "gpa DESC")
    best = sorted((r for r in S if r["gpa"] is not None), key=lambda r: (-r["gpa"], r["student_id"]))
    assert sorted(got.fetch("gpa").tolist(), reverse=True) == [r["gpa"] for r in best[:5]]


def test_top_by_key_with_offset(uni):
    got = uni.Student & dj.Top(3, "KEY", offset=10)
    assert ids(got) == py_ids(S)[10:13]


def test_top_then_restriction_restricts_the_top_rows(uni):
    top = uni.Student & dj.Top(20)
    got = top & {"year": 1}
    assert ids(got) == [i for i in py_ids(S)[:20] if S[i - 1000]["year"] == 1]


def test_top_without_order_inherits_the_previous_order(uni):
    got = uni.Student & dj.Top(10, "name DESC") & dj.Top(3, order_by=None)
    assert sorted(got.fetch("name").tolist()) == sorted(r["name"] for r in S)[-3:]


# -- immutability, SQL, composition -----------------------------------------------------------------


def test_queries_are_immutable_values(uni):
    q = uni.Student & "year > 1"
    before_sql, before_len = q.make_sql(), len(q)
    _ = q & {"dept": "MATH"}
    _ = q - uni.Enroll
    _ = q * uni.Department
    _ = q.proj(x="year")
    assert q.make_sql() == before_sql
    assert len(q) == before_len == sum(1 for r in S if r["year"] > 1)


def test_make_sql_returns_sql_text(uni):
    sql = (uni.Student & {"dept": "CS"}).proj("name").make_sql()
    assert isinstance(sql, str)
    assert sql.upper().startswith("SELECT") and "name" in sql


def test_deep_composition(uni):
    # students with an ungraded F2021 enrollment, their number of graded courses, among year >= 2
    pending = (uni.Enroll & {"term": "F2021"}) - uni.Grade
    q = (uni.Student & "year >= 2").proj("name", "year").aggr(
        uni.Grade.proj("score"), "name", n="count(*)", best="max(score)"
    ) & pending.proj()
    q = (q * uni.Student.proj(home="dept")) & dj.Not({"home": "BIO"})
    graded = {(g["student_id"], g["dept"], g["course"], g["term"]) for g in DATA["Grade"]}
    pending_students = {
        e["student_id"]
        for e in DATA["Enroll"]
        if e["term"] == "F2021" and (e["student_id"], e["dept"], e["course"], e["term"]) not in graded
    }
    counts = Counter(g["student_id"] for g in DATA["Grade"])
    expected = {
        s["student_id"]: counts[s["student_id"]]
        for s in S
        if s["year"] >= 2 and s["student_id"] in pending_students and s["dept"] != "BIO"
    }
    got = dict(zip(*q.fetch("student_id", "n")))
    assert got == expected
    assert len(q) == len(expected)


def test_len_bool_and_in_on_composed_queries(uni):
    q = uni.Student.aggr(uni.Enroll.proj(course_dept="dept"), n="count(*)") & "n = 0"
    no_enroll = [s for s in S if s["student_id"] not in {e["student_id"] for e in DATA["Enroll"]}]
    assert len(q) == len(no_enroll)
    assert bool(q) == bool(no_enroll)
    assert {"student_id": no_enroll[0]["student_id"]} in q
    assert np.all(q.fetch("n") == 0)


def test_queries_that_differ_only_in_key_values_give_their_own_rows(uni):
    # such queries share one compiled statement: each must still get its own values
    for s in S[:50]:
        assert (uni.Student & {"student_id": s["student_id"]}).fetch1() == s
        got = uni.Student & {"dept": s["dept"]} & {"year": s["year"], "gpa": s["gpa"]}
        assert s["student_id"] in got.fetch("student_id").tolist()
        expected = [r for r in S if (r["dept"], r["year"], r["gpa"]) == (s["dept"], s["year"], s["gpa"])]
        assert ids(got) == py_ids(expected)
