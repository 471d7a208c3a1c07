"""``joinery worker``: populate a module's tables, or chosen ones, in dependency order until done."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import joinery as dj
from joinery.cli import dependency_order, main, resolve, run_worker

PIPELINE = '''
import joinery as dj

schema = dj.Schema({schema_name!r})


@schema
class Source(dj.Manual):
    definition = """
    source_id : int32
    """


@schema
class First(dj.Computed):
    definition = """
    -> Source
    ---
    doubled : int32
    """

    def make(self, key):
        if key["source_id"] == {bad}:
            raise ValueError("bad source")
        self.insert1({{**key, "doubled": 2 * key["source_id"]}})


@schema
class Second(dj.Computed):
    definition = """
    -> First
    ---
    quadrupled : int32
    """

    def make(self, key):
        self.insert1({{**key, "quadrupled": 2 * (First & key).fetch1("doubled")}})
'''


@pytest.fixture
def pipeline_module(connection, tmp_path, monkeypatch):
    """A user's pipeline module on sys.path, its schema in the test database; yields (name, module)."""
    counter = getattr(pipeline_module, "counter", 0) + 1
    pipeline_module.counter = counter  # type: ignore[attr-defined]
    name = f"cli_pipeline_{os.getpid()}_{counter}"
    schema_name = f"cli_{os.getpid()}_{counter}"

    def write(bad: int = -1):
        (tmp_path / f"{name}.py").write_text(PIPELINE.format(schema_name=schema_name, bad=bad))
        monkeypatch.syspath_prepend(str(tmp_path))
        module = importlib.import_module(name)
        module.Source.insert([{"source_id": i} for i in range(20)])
        return name, module

    yield write
    sys.modules.pop(name, None)
    with dj.config.override(safemode=False):
        dj.Schema(schema_name, connection=connection).drop(prompt=False)


def test_worker_populates_every_table_of_a_module(pipeline_module, capsys):
    name, module = pipeline_module()
    assert main(["worker", name]) == 0
    assert len(module.First()) == 20 and len(module.Second()) == 20
    assert "40 made, 0 failed" in capsys.readouterr().out
    assert len(module.First.jobs) == 0  # keys were reserved, then released


def test_tables_run_in_dependency_order_whatever_order_they_are_named_in(pipeline_module):
    name, module = pipeline_module()
    tables = resolve(f"{name}.Second") + resolve(f"{name}.First")
    assert dependency_order(tables) == [module.First, module.Second]
    # one pass makes everything; the second finds nothing left
    assert run_worker(tables) == {"success_count": 40, "error_count": 0, "passes": 2}


def test_failed_makes_give_exit_status_one_and_stay_recorded(pipeline_module, capsys):
    name, module = pipeline_module(bad=3)
    assert main(["worker", name, "--max-attempts", "2", "--retry-on", "builtins.LookupError"]) == 1
    assert "38 made, 1 failed" in capsys.readouterr().out
    assert module.First.jobs.errors.to_dicts()[0]["error_message"] == "ValueError: bad source"
    assert main(["worker", name, "--quiet"]) == 0  # errors are not retried until cleared
    assert len(module.Second()) == 19


def test_unknown_targets_and_bad_options_are_reported(pipeline_module, capsys):
    name, _ = pipeline_module()
    assert main(["worker", f"{name}.Source"]) == 2
    assert "not a Computed or Imported table" in capsys.readouterr().err
    assert main(["worker", name, "--schema", "no_such_schema"]) == 2
    assert "No Computed or Imported tables" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["worker"])


def test_the_joinery_script_runs_a_worker(pipeline_module, tmp_path, database_url):
    name, module = pipeline_module()
    script = Path(sys.executable).with_name("joinery")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "joinery.cli"]
    done = subprocess.run(
        [*command, "worker", name, "--set", f"database.url={database_url}", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert len(module.Second()) == 20


def test_worker_help_lists_its_options():
    done = subprocess.run(
        [sys.executable, "-m", "joinery.cli", "worker", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    for option in ("--forever", "--poll", "--no-reserve", "--max-attempts", "--retry-on", "--schema"):
        assert option in done.stdout
    assert done.stdout.startswith("usage: joinery worker")
