"""A deadlock the server reports is its own error (a QueryError), and a batch reservation runs again after it."""

from __future__ import annotations

import pytest

from joinery import errors
from joinery.engine.errors import translate_mysql, translate_postgres
from joinery.jobs_batch import retry_deadlocks


class PostgresError(Exception):
    sqlstate = "40P01"
    diag = None


def test_both_servers_deadlocks_become_deadlock_errors():
    for error in (
        translate_postgres(PostgresError("deadlock detected")),
        translate_mysql(Exception(1213, "x")),
    ):
        assert isinstance(error, errors.DeadlockError) and isinstance(error, errors.QueryError)


def test_a_statement_aborted_by_a_deadlock_runs_again_and_other_errors_do_not():
    calls = []

    def deadlocks_once():
        calls.append(1)
        if len(calls) == 1:
            raise errors.DeadlockError("Deadlock: the transaction was rolled back")
        return "done"

    assert retry_deadlocks(deadlocks_once) == "done" and len(calls) == 2

    def refused():
        calls.append(1)
        raise errors.QueryError("Deadlock-looking text, but another error")

    calls.clear()
    with pytest.raises(errors.QueryError):
        retry_deadlocks(refused)
    assert len(calls) == 1
