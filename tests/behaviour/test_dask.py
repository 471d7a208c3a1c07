"""populate(executor=...): concurrent.futures executors and a real local Dask cluster.

Tasks in other processes find the table classes by import name, so the tables
here are defined at module level (unbound) and bound to each test's schema.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
from collections import Counter

import pytest

import joinery as dj


class Signal(dj.Manual):
    definition = """
    signal_id : int32
    ---
    amplitude : float64
    """


class Power(dj.Computed):
    definition = """
    -> Signal
    ---
    power : float64
    pid : int32     # the process that made it
    """

    def make(self, key, log=None):
        amplitude = (Signal & key).fetch1("amplitude")
        if amplitude < 0:
            raise ValueError(f"negative amplitude for signal {key['signal_id']}")
        self.insert1({**key, "power": amplitude**2, "pid": os.getpid()})
        if log:
            with open(log, "a") as handle:
                handle.write(f"{key['signal_id']}\n")


@pytest.fixture
def signals(schema, tmp_path):
    schema(Signal)
    schema(Power)
    Signal.insert([{"signal_id": i, "amplitude": float(i)} for i in range(60)])
    return tmp_path / "made.log"


def _made(log) -> Counter:
    return Counter(int(line) for line in log.read_text().split())


def test_a_thread_pool_populates_with_reserved_jobs(signals):
    with cf.ThreadPoolExecutor(4) as pool:
        result = Power.populate(reserve_jobs=True, executor=pool, make_kwargs={"log": str(signals)})
    assert result == {"success_count": 60, "error_list": []}
    assert _made(signals) == Counter(range(60))
    assert len(Power()) == 60 and len(Power.jobs) == 0


def test_a_process_pool_populates_and_reports_errors(signals):
    (Signal & {"signal_id": 7}).delete()
    Signal.insert1({"signal_id": 7, "amplitude": -1.0})
    with cf.ProcessPoolExecutor(3, mp_context=mp.get_context("fork")) as pool:
        result = Power.populate(reserve_jobs=True, executor=pool, suppress_errors=True)
    assert result["success_count"] == 59
    assert result["error_list"] == [({"signal_id": 7}, "ValueError: negative amplitude for signal 7")]
    assert Power.jobs.errors.keys() == [{"signal_id": 7}]
    assert os.getpid() not in set(Power.fetch("pid"))
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool, pytest.raises(ValueError):
        Power.populate(executor=pool)  # the first error is raised


def test_a_table_defined_inside_a_function_cannot_go_to_other_processes(schema):
    schema(Signal)

    @schema
    class Local(dj.Computed):
        definition = """
        -> Signal
        """

        def make(self, key):
            self.insert1(key)

    Signal.insert1({"signal_id": 1, "amplitude": 1.0})
    with cf.ProcessPoolExecutor(1) as pool, pytest.raises(dj.DataJointError, match="top level of a module"):
        Local.populate(executor=pool)
    with cf.ThreadPoolExecutor(2) as pool:
        assert Local.populate(executor=pool)["success_count"] == 1


def test_populate_through_a_local_dask_cluster(signals):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = Power.populate(
            reserve_jobs=True, executor=client, make_kwargs={"log": str(signals)}, suppress_errors=True
        )
        workers = set(client.run(os.getpid).values())
    assert result == {"success_count": 60, "error_list": []}
    assert _made(signals) == Counter(range(60))
    assert set(Power.fetch("pid")) <= workers and os.getpid() not in workers
    assert len(Power.jobs) == 0
