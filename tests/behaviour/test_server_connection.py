"""Server connections: unreachable servers, lost connections, transactions (PostgreSQL and MySQL).

These run for each server backend whose URL is set (see conftest.py); the
embedded SQLite database has no server to lose.
"""

from __future__ import annotations

import os

import pytest

import joinery as dj
from joinery.engine import Connection
from joinery.errors import LostConnectionError

URLS = {"postgresql": "JOINERY_TEST_POSTGRES_URL", "mysql": "JOINERY_TEST_MYSQL_URL"}
SERVERS = [name for name, variable in URLS.items() if os.environ.get(variable)]

KILL = {
    "postgresql": "SELECT pg_terminate_backend({id})",
    "mysql": "KILL {id}",
}


@pytest.fixture
def counter(schema):
    @schema
    class Counter(dj.Manual):
        definition = """
        counter_id : int32
        """

    return Counter


def _kill(connection: Connection) -> None:
    """End ``connection``'s session from another one, as a server restart would."""
    victim = connection.connection_id
    killer = Connection(connection.settings)
    killer.query(KILL[connection.settings["backend"]].format(id=victim))
    killer.close()


@pytest.mark.parametrize("backend", SERVERS)
def test_an_unreachable_server_is_named_in_the_error(backend, connection):
    settings = {**connection.settings, "host": "127.0.0.1", "port": 9}
    with pytest.raises(LostConnectionError, match="127.0.0.1:9"):
        Connection(settings)


@pytest.mark.parametrize("backend", SERVERS)
def test_a_lost_connection_is_reopened_on_the_next_call(backend, counter, connection):
    counter.insert1((1,))
    _kill(connection)
    counter.insert1((2,))
    assert sorted(counter.fetch("counter_id")) == [1, 2]


@pytest.mark.parametrize("backend", SERVERS)
def test_a_connection_lost_inside_a_transaction_is_a_clear_error(backend, counter, connection):
    with pytest.raises(LostConnectionError, match="inside a transaction"), connection.transaction:
        counter.insert1((1,))
        _kill(connection)
        counter.insert1((2,))
    assert not connection.in_transaction
    assert len(counter()) == 0  # the server rolled the transaction back
    counter.insert1((3,))
    assert counter.fetch("counter_id").tolist() == [3]


@pytest.mark.parametrize("backend", SERVERS)
def test_reset_reconnects_the_shared_connection(backend, connection):
    before = dj.conn().connection_id
    again = dj.conn(reset=True)
    assert again.connection_id != before
    assert again.ping()


def test_nested_transactions_are_refused(connection):
    with connection.transaction:
        nested = pytest.raises(dj.DataJointError, match="Nested transactions")
        with nested, connection.transaction:
            pass


def test_a_transaction_groups_writes_all_or_nothing(schema, connection):
    @schema
    class Item(dj.Manual):
        definition = """
        item_id : int32
        """

    with pytest.raises(RuntimeError), connection.transaction:
        Item.insert1((1,))
        raise RuntimeError("abandon")
    assert len(Item()) == 0
    with connection.transaction:
        Item.insert([(1,), (2,)])
    assert len(Item()) == 2
