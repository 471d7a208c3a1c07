"""populate(): which keys it computes, atomic makes, errors, options, tripartite makes, progress.

Every make here records the keys it was called with, so the tests can check
both what was computed and what was stored.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time

import numpy as np
import pytest

import joinery as dj
from joinery.engine import Connection
from joinery.errors import DataJointError, MissingAttributeError, UnknownAttributeError


@pytest.fixture
def pipeline(schema):
    """Subject (Manual, 5 rows) -> Result (Computed, doubles ``value``) with a part Result.Item."""
    calls: list[dict] = []

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        value : float64
        """

    @schema
    class Result(dj.Computed):
        definition = """
        -> Subject
        ---
        doubled : float64
        """

        class Item(dj.Part):
            definition = """
            -> master
            item : int16
            ---
            share : float64
            """

        def make(self, key):
            calls.append(dict(key))
            value = (Subject & key).fetch1("value")
            self.insert1({**key, "doubled": 2 * value})
            self.Item.insert([{**key, "item": i, "share": value / 2} for i in range(2)])

    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(5)])
    return Subject, Result, calls


class OddError(ValueError):
    """Raised by the failing make (module level, so worker processes can send it back)."""


def ids(rows) -> list[int]:
    return sorted(row["subject_id"] for row in rows)


# -- which keys -----------------------------------------------------------------------------------


def test_populate_computes_exactly_the_missing_keys(pipeline):
    Subject, Result, calls = pipeline
    assert Result.populate() == {"success_count": 5, "error_list": []}
    assert ids(calls) == [0, 1, 2, 3, 4]
    assert (Result & {"subject_id": 3}).fetch1("doubled") == 6.0
    assert len(Result.Item()) == 10

    calls.clear()
    Subject.insert([{"subject_id": 7, "value": 7.0}, {"subject_id": 8, "value": 8.0}])
    assert Result.populate() == {"success_count": 2, "error_list": []}
    assert ids(calls) == [7, 8]
    assert Result.populate() == {"success_count": 0, "error_list": []}
    assert len(Result()) == 7


def test_populate_with_restrictions_computes_only_matching_keys(pipeline):
    Subject, Result, calls = pipeline
    # key_source holds keys only: restrict by the parent's other attributes through the parent
    assert Result.populate(Subject & "value < 2") == {"success_count": 2, "error_list": []}
    assert ids(Result.keys()) == [0, 1]
    assert Result.populate({"subject_id": 4}, "subject_id > 3")["success_count"] == 1
    # several restrictions are combined with AND
    assert Result.populate("subject_id > 1", "subject_id < 3")["success_count"] == 1
    assert ids(Result.keys()) == [0, 1, 2, 4]
    assert Result.populate(Subject & "value = 3")["success_count"] == 1
    assert ids(calls) == [0, 1, 2, 3, 4]


def test_key_source_is_the_join_of_primary_key_parents(schema):
    @schema
    class Animal(dj.Manual):
        definition = """
        animal : varchar(8)
        """

    @schema
    class Method(dj.Lookup):
        definition = """
        method : int16
        """
        contents = [(1,), (2,), (3,)]

    @schema
    class Other(dj.Manual):
        definition = """
        other : int16
        """

    @schema
    class Analysis(dj.Computed):
        definition = """
        -> Animal
        -> Method
        ---
        -> [nullable] Other
        score : float64
        """

        def make(self, key):
            self.insert1({**key, "score": key["method"] * 1.5})

    Animal.insert([("ann",), ("bob",)])
    Other.insert([(1,)])
    source = Analysis.key_source
    assert set(source.heading.names) == {"animal", "method"}
    assert len(source) == 6
    assert Analysis.populate()["success_count"] == 6


def test_key_source_follows_renamed_foreign_keys(schema):
    @schema
    class Cell(dj.Manual):
        definition = """
        cell : int16
        """

    @schema
    class Pair(dj.Computed):
        definition = """
        -> Cell.proj(pre='cell')
        -> Cell.proj(post='cell')
        ---
        distance : int16
        """

        def make(self, key):
            self.insert1({**key, "distance": abs(key["pre"] - key["post"])})

    Cell.insert([(1,), (2,), (5,)])
    assert set(Pair.key_source.heading.names) == {"pre", "post"}
    assert Pair.populate()["success_count"] == 9
    assert (Pair & {"pre": 1, "post": 5}).fetch1("distance") == 4


def test_key_source_can_be_overridden(pipeline, schema):
    Subject, _, _ = pipeline
    made = []

    @schema
    class EvenOnly(dj.Computed):
        definition = """
        -> Subject
        ---
        half : float64
        """

        @property
        def key_source(self):
            return Subject & "subject_id % 2 = 0"

        def make(self, key):
            made.append(key["subject_id"])
            self.insert1({**key, "half": key["subject_id"] / 2})

    assert EvenOnly.populate() == {"success_count": 3, "error_list": []}
    assert sorted(made) == [0, 2, 4]
    assert EvenOnly.progress(display=False) == (0, 3)


def test_key_source_as_a_class_attribute(pipeline, schema):
    Subject, _, _ = pipeline

    @schema
    class FromClass(dj.Computed):
        definition = """
        -> Subject
        """
        key_source = Subject

        def make(self, key):
            self.insert1(key)

    assert FromClass.populate()["success_count"] == 5


def test_populate_on_a_restricted_table_is_refused(pipeline):
    _, Result, _ = pipeline
    with pytest.raises(DataJointError, match="restricted table"):
        (Result & "subject_id = 1").populate()


def test_populate_inside_a_transaction_is_refused(pipeline, connection):
    _, Result, _ = pipeline
    with pytest.raises(DataJointError, match="transaction"), connection.transaction:
        Result.populate()
    assert len(Result()) == 0


# -- atomic make ----------------------------------------------------------------------------------


def test_make_raising_after_inserting_its_master_row_leaves_nothing(schema, pipeline):
    Subject, _, _ = pipeline

    @schema
    class Fragile(dj.Computed):
        definition = """
        -> Subject
        ---
        total : float64
        """

        class Piece(dj.Part):
            definition = """
            -> master
            piece : int16
            """

        def make(self, key):
            self.insert1({**key, "total": 1.0})
            self.Piece.insert([{**key, "piece": 0}, {**key, "piece": 1}])
            if key["subject_id"] == 2:
                raise RuntimeError("failed after inserting")

    with pytest.raises(RuntimeError, match="failed after inserting"):
        Fragile.populate(order="reverse")
    # keys 4 and 3 were committed before key 2 failed; nothing of key 2 remains
    assert ids(Fragile.keys()) == [3, 4]
    assert len(Fragile.Piece & {"subject_id": 2}) == 0
    assert len(Fragile.Piece()) == 4


def test_a_database_refusal_at_commit_leaves_nothing(schema, pipeline):
    Subject, _, _ = pipeline

    @schema
    class Duplicated(dj.Computed):
        definition = """
        -> Subject
        """

        class Piece(dj.Part):
            definition = """
            -> master
            piece : int16
            """

        def make(self, key):
            self.insert1(key)
            self.Piece.insert([{**key, "piece": 0}, {**key, "piece": 0}])

    result = Duplicated.populate(suppress_errors=True)
    assert result["success_count"] == 0 and len(result["error_list"]) == 5
    assert "DuplicateError" in result["error_list"][0][1]
    assert len(Duplicated()) == 0 and len(Duplicated.Piece()) == 0


def test_make_that_inserts_nothing_counts_as_success_and_stays_missing(pipeline, schema):
    Subject, _, _ = pipeline
    made = []

    @schema
    class Skipper(dj.Computed):
        definition = """
        -> Subject
        """

        def make(self, key):
            made.append(key)

    assert Skipper.populate() == {"success_count": 5, "error_list": []}
    assert len(Skipper()) == 0
    assert Skipper.progress(display=False) == (5, 5)
    assert Skipper.populate()["success_count"] == 5
    assert len(made) == 10


def test_make_computes_without_holding_the_write_lock(pipeline, schema, connection):
    Subject, _, _ = pipeline
    other = Connection(connection.settings)  # another process's connection

    @schema
    class Patient(dj.Computed):
        definition = """
        -> Subject
        ---
        note : varchar(20)
        """

        def make(self, key):
            self.insert1({**key, "note": "first"})
            # another process writes while this make is running: it must not wait at all
            assert not connection.in_transaction
            if connection.settings["backend"] == "sqlite":
                immediate = sqlite3.connect(connection.settings["path"], timeout=0, isolation_level=None)
                immediate.execute("BEGIN IMMEDIATE")
                immediate.execute("COMMIT")
                immediate.close()
            with other.transaction:
                other.query(
                    f"UPDATE {Subject.full_table_name} SET {other.dialect.quote('value')} = 0 WHERE 1 = 0"
                )

    assert Patient.populate(max_calls=2)["success_count"] == 2
    other.close()


def test_rows_another_process_committed_first_are_not_duplicated(pipeline, schema, connection):
    Subject, _, _ = pipeline
    other = Connection(connection.settings)  # another process's connection

    @schema
    class Raced(dj.Computed):
        definition = """
        -> Subject
        ---
        who : varchar(8)
        """

        def make(self, key):
            # another process finishes this key while this make computes
            marks = other.dialect.placeholders(2)
            other.query(f"INSERT INTO {self.full_table_name} VALUES ({marks})", (key["subject_id"], "other"))
            self.insert1({**key, "who": "me"})

    assert Raced.populate() == {"success_count": 0, "error_list": []}
    assert Raced.to_arrays("who").tolist() == ["other"] * 5
    other.close()


# -- errors ---------------------------------------------------------------------------------------


@pytest.fixture
def failing(pipeline, schema):
    Subject, _, _ = pipeline
    Odd = OddError

    @schema
    class Failing(dj.Computed):
        definition = """
        -> Subject
        ---
        ok : int16
        """

        def make(self, key):
            if key["subject_id"] % 2:
                raise Odd(f"odd subject {key['subject_id']}")
            self.insert1({**key, "ok": 1})

    return Failing, Odd


def test_without_suppress_errors_the_first_error_propagates(failing):
    Failing, Odd = failing
    with pytest.raises(Odd, match="odd subject 1"):
        Failing.populate()
    assert ids(Failing.keys()) == [0]


def test_suppress_errors_records_each_error_and_goes_on(failing):
    Failing, _ = failing
    result = Failing.populate(suppress_errors=True)
    assert result["success_count"] == 3
    assert ids(Failing.keys()) == [0, 2, 4]
    assert sorted(result["error_list"], key=lambda e: e[0]["subject_id"]) == [
        ({"subject_id": 1}, "OddError: odd subject 1"),
        ({"subject_id": 3}, "OddError: odd subject 3"),
    ]


def test_return_exception_objects_gives_the_exceptions(failing):
    Failing, Odd = failing
    result = Failing.populate(suppress_errors=True, return_exception_objects=True)
    errors = [error for _, error in result["error_list"]]
    assert len(errors) == 2 and all(isinstance(e, Odd) for e in errors)


def test_insert_errors_inside_make_are_raised_at_the_insert(pipeline, schema):
    Subject, _, _ = pipeline

    @schema
    class Sloppy(dj.Computed):
        definition = """
        -> Subject
        ---
        value : float64
        """

        def make(self, key):
            if key["subject_id"] == 0:
                self.insert1({**key, "value": 1.0, "typo": 2})
            else:
                self.insert1(key)

    result = Sloppy.populate(suppress_errors=True, return_exception_objects=True)
    errors = [type(e) for _, e in sorted(result["error_list"], key=lambda e: e[0]["subject_id"])]
    assert errors[0] is UnknownAttributeError
    assert all(e is MissingAttributeError for e in errors[1:]) and len(errors) == 5
    # the error's traceback goes through the user's make
    with pytest.raises(UnknownAttributeError) as info:
        Sloppy.populate(max_calls=1)
    assert any(entry.name == "make" for entry in info.traceback)


# -- options --------------------------------------------------------------------------------------


def test_max_calls_limits_the_number_of_makes(pipeline):
    _, Result, calls = pipeline
    assert Result.populate(max_calls=2)["success_count"] == 2
    assert len(calls) == 2 and len(Result()) == 2
    assert Result.populate(max_calls=10)["success_count"] == 3


def test_limit_and_order(pipeline):
    _, Result, calls = pipeline
    Result.populate(limit=3)
    first = [c["subject_id"] for c in calls]
    assert len(first) == 3
    calls.clear()
    Result.populate(order="reverse")
    assert [c["subject_id"] for c in calls] == sorted(set(range(5)) - set(first), reverse=True)


def test_random_order_computes_every_key(pipeline):
    _, Result, calls = pipeline
    random.seed(3)
    assert Result.populate(order="random")["success_count"] == 5
    assert ids(calls) == [0, 1, 2, 3, 4]


def test_unknown_order_is_refused(pipeline):
    _, Result, _ = pipeline
    with pytest.raises(DataJointError, match="order"):
        Result.populate(order="sideways")


def test_keys_gives_the_keys_to_make(pipeline):
    _, Result, calls = pipeline
    assert Result.populate(keys=[{"subject_id": 4}, {"subject_id": 1}])["success_count"] == 2
    assert [c["subject_id"] for c in calls] == [4, 1]
    # keys already done are skipped
    assert Result.populate(keys=[{"subject_id": 4}, {"subject_id": 2}])["success_count"] == 1
    assert ids(Result.keys()) == [1, 2, 4]


def test_make_kwargs_are_passed_to_make(pipeline, schema):
    Subject, _, _ = pipeline

    @schema
    class Scaled(dj.Computed):
        definition = """
        -> Subject
        ---
        scaled : float64
        """

        def make(self, key, factor=1.0):
            self.insert1({**key, "scaled": (Subject & key).fetch1("value") * factor})

    Scaled.populate(make_kwargs={"factor": 10.0})
    assert (Scaled & {"subject_id": 3}).fetch1("scaled") == 30.0


def test_display_progress_shows_a_bar_named_for_the_table(pipeline, capsys):
    _, Result, _ = pipeline
    Result.populate(display_progress=True)
    err = capsys.readouterr().err
    assert "Result: 100%" in err and "5/5" in err


def test_progress_returns_remaining_and_total_and_prints(pipeline, capsys):
    _, Result, _ = pipeline
    assert Result.progress() == (5, 5)
    Result.populate(max_calls=2)
    assert Result.progress("subject_id < 4") == (2, 4)
    out = capsys.readouterr().out
    assert "Result" in out and "Completed 2 of 4 (50.0%)" in out
    assert Result.progress(display=False) == (3, 5)
    assert capsys.readouterr().out == ""


# -- inserting ------------------------------------------------------------------------------------


def test_direct_insert_into_a_computed_table_is_refused(pipeline):
    _, Result, _ = pipeline
    with pytest.raises(DataJointError, match="allow_direct_insert"):
        Result.insert1({"subject_id": 1, "doubled": 2.0})
    with pytest.raises(DataJointError, match="allow_direct_insert"):
        Result.Item.insert1({"subject_id": 1, "item": 0, "share": 0.5})
    Result.insert1({"subject_id": 1, "doubled": 2.0}, allow_direct_insert=True)
    assert len(Result()) == 1


def test_parts_are_inserted_through_the_master_inside_make(pipeline):
    _, Result, _ = pipeline
    Result.populate()
    assert (Result.Item & {"subject_id": 4}).to_arrays("share").tolist() == [2.0, 2.0]


# -- tripartite make ------------------------------------------------------------------------------


@pytest.fixture
def tripartite(pipeline, schema):
    Subject, _, _ = pipeline
    log: list[str] = []

    @schema
    class Slow(dj.Computed):
        definition = """
        -> Subject
        ---
        squared : float64
        """

        def make_fetch(self, key, offset=0.0):
            log.append("fetch")
            return ((Subject & key).fetch1("value") + offset,)

        def make_compute(self, key, value):
            log.append("compute")
            return (value**2,)

        def make_insert(self, key, squared):
            log.append("insert")
            self.insert1({**key, "squared": squared})

    return Subject, Slow, log


def test_tripartite_make_fetches_computes_and_inserts(tripartite):
    _, Slow, log = tripartite
    assert Slow.populate(max_calls=1) == {"success_count": 1, "error_list": []}
    # fetched again inside the commit, to check the inputs did not change, then inserted
    assert log == ["fetch", "compute", "fetch", "insert"]
    assert Slow.populate(make_kwargs={"offset": 1.0})["success_count"] == 4
    assert (Slow & {"subject_id": 3}).fetch1("squared") == 16.0


def test_tripartite_make_refuses_inputs_changed_during_compute(tripartite, schema):
    Subject, Slow, _ = tripartite
    original = Slow.make_compute

    def compute_while_someone_edits(self, key, value):
        Subject.update1({**key, "value": value + 100})
        return original(self, key, value)

    Slow.make_compute = compute_while_someone_edits
    with pytest.raises(DataJointError, match="changed"):
        Slow.populate(max_calls=1)
    assert len(Slow()) == 0


def test_generator_make_follows_datajoint_protocol(pipeline, schema):
    Subject, _, _ = pipeline

    @schema
    class Gen(dj.Computed):
        definition = """
        -> Subject
        ---
        image : <blob>
        """

        def make(self, key):
            fetched = ((Subject & key).fetch1("value"),)
            computed = yield fetched
            if computed is None:
                computed = (np.full((2, 2), fetched[0]),)
                yield computed
            self.insert1({**key, "image": computed[0]})
            yield

    assert Gen.populate() == {"success_count": 5, "error_list": []}
    np.testing.assert_array_equal((Gen & {"subject_id": 2}).fetch1("image"), np.full((2, 2), 2.0))


def test_same_values_compares_nested_fetched_data():
    from joinery.populate import same_values

    a = ({"x": np.arange(3.0), "y": [1, "a"]}, np.array([np.nan, 1.0]), float("nan"))
    b = ({"x": np.arange(3.0), "y": [1, "a"]}, np.array([np.nan, 1.0]), float("nan"))
    assert same_values(a, b)
    assert not same_values(a, ({"x": np.arange(3.0) + 1, "y": [1, "a"]}, *b[1:]))
    assert not same_values(np.arange(3), np.arange(3.0))
    records = np.array([(1, np.zeros(2))], dtype=[("k", int), ("v", object)])
    assert same_values(records, records.copy())


# -- processes ------------------------------------------------------------------------------------


def test_two_processes_give_the_same_result_as_one(pipeline, schema):
    Subject, Result, _ = pipeline
    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(5, 40)])
    assert Result.populate(processes=2) == {"success_count": 40, "error_list": []}
    parallel = Result.to_dicts(order_by="KEY")
    items = Result.Item.to_dicts(order_by="KEY")
    assert len(parallel) == 40 and len(items) == 80
    (Result & "subject_id >= 0").delete()
    assert Result.populate(processes=1) == {"success_count": 40, "error_list": []}
    assert Result.to_dicts(order_by="KEY") == parallel
    assert Result.Item.to_dicts(order_by="KEY") == items
    # the parent's connection still works
    assert len(Subject()) == 40


def test_processes_gather_errors(failing):
    Failing, Odd = failing
    result = Failing.populate(processes=2, suppress_errors=True)
    assert result["success_count"] == 3
    assert sorted(result["error_list"], key=lambda e: e[0]["subject_id"]) == [
        ({"subject_id": 1}, "OddError: odd subject 1"),
        ({"subject_id": 3}, "OddError: odd subject 3"),
    ]
    with pytest.raises(OddError, match="odd subject") as info:
        Failing.populate(processes=2)
    # the worker's traceback is kept as the cause
    assert "in make" in str(info.value.__cause__)


def test_processes_show_progress_and_pass_make_kwargs(pipeline, schema, capsys):
    Subject, _, _ = pipeline

    @schema
    class Shifted(dj.Computed):
        definition = """
        -> Subject
        ---
        shifted : float64
        """

        def make(self, key, shift=0.0):
            self.insert1({**key, "shifted": (Subject & key).fetch1("value") + shift})

    assert (
        Shifted.populate(processes=2, display_progress=True, make_kwargs={"shift": 0.5})["success_count"] == 5
    )
    assert "Shifted: 100%" in capsys.readouterr().err
    assert sorted(Shifted.to_arrays("shifted").tolist()) == [0.5, 1.5, 2.5, 3.5, 4.5]


def test_a_worker_process_that_dies_is_reported_not_waited_for(pipeline, schema):
    Subject, _, _ = pipeline

    @schema
    class Crashing(dj.Computed):
        definition = """
        -> Subject
        ---
        ok : int16
        """

        def make(self, key):
            if key["subject_id"] == 3:
                os._exit(7)  # as a segfault or the OOM killer would end it: no exception, no result
            self.insert1({**key, "ok": 1})

    started = time.monotonic()
    with pytest.raises(DataJointError, match="exit code 7"):
        Crashing.populate(processes=2, suppress_errors=True)
    assert time.monotonic() - started < 30
    assert 3 not in Crashing.to_arrays("subject_id").tolist()
    assert len(Subject()) == 5  # the parent's connection still works


def test_an_error_stops_the_other_workers_after_their_current_key(pipeline, schema):
    Subject, _, _ = pipeline
    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(5, 60)])

    @schema
    class SlowOrFailing(dj.Computed):
        definition = """
        -> Subject
        ---
        ok : int16
        """

        def make(self, key):
            if key["subject_id"] == 0:
                time.sleep(0.05)
                raise OddError("first key fails")
            time.sleep(0.05)
            self.insert1({**key, "ok": 1})

    for _ in range(5):  # stopping early must never hang (multiprocessing.Pool.terminate could)
        started = time.monotonic()
        with pytest.raises(OddError, match="first key fails"):
            SlowOrFailing.populate(keys=[{"subject_id": i} for i in range(60)], processes=2)
        assert time.monotonic() - started < 10
        assert len(SlowOrFailing()) < 59  # the others stopped instead of computing every key
        SlowOrFailing.delete_quick()
    assert SlowOrFailing.populate(processes=2, suppress_errors=True)["success_count"] == 59


def test_errors_that_cannot_cross_processes_keep_their_message():
    from joinery.parallel import portable

    class Local(Exception):
        pass

    error = portable(Local("cannot be pickled"))
    assert isinstance(error, DataJointError) and str(error) == "Local: cannot be pickled"


WORKER = '''
import json, sys, time, pathlib
import joinery as dj

url, schema_name, order, folder = sys.argv[1:5]
dj.config["database.url"] = url
schema = dj.Schema(schema_name)


@schema
class Subject(dj.Manual):
    definition = """
    subject_id : int32
    ---
    value : float64
    """


@schema
class Slowly(dj.Computed):
    definition = """
    -> Subject
    ---
    pid : int32
    """

    class Part(dj.Part):
        definition = """
        -> master
        """

    def make(self, key):
        (Subject & key).fetch1("value")
        time.sleep(0.01)
        self.insert1({**key, "pid": __import__("os").getpid()})
        self.Part.insert1(key)


folder = pathlib.Path(folder)
(folder / f"ready-{order}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
print(json.dumps(Slowly.populate(order=order)))
'''


def test_two_os_processes_populating_one_file_both_finish(schema, connection, tmp_path, database_url):
    import json
    import subprocess
    import sys
    import time

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        value : float64
        """

    @schema
    class Slowly(dj.Computed):
        definition = """
        -> Subject
        ---
        pid : int32
        """

        class Part(dj.Part):
            definition = """
            -> master
            """

    n = 200
    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(n)])
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), database_url, schema.database, order, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in ("original", "reverse")
    ]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{o}").exists() for o in ("original", "reverse")):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [w.communicate(timeout=60) for w in workers]
    for worker, (_, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
        assert "locked" not in err
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert all(s["error_list"] == [] for s in summaries)
    # both made progress, and together they committed every key exactly once
    assert all(s["success_count"] > 0 for s in summaries)
    assert sum(s["success_count"] for s in summaries) == n
    assert len(Slowly()) == n and len(Slowly.Part()) == n
    assert len(set(Slowly.to_arrays("pid").tolist())) == 2
