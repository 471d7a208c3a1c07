"""Which database a run targets, and how each side (joinery, raw driver, DataJoint) connects to it.

joinery and DataJoint both call their configuration ``dj.config`` but they are
separate modules with separate settings, so each is configured here on its
own. DataJoint is imported only when a server backend asks for it (it has no
SQLite backend); if it is missing, its side is simply left out.

Every workload asks for fresh, uniquely named namespaces (:meth:`Backend.unique`)
and drops them when done, so runs never see each other's tables.
"""

from __future__ import annotations

import logging
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .raw import RawDB, server_params

DEFAULT_URLS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root:@127.0.0.1:3306/test",
}
#: where to find each server: the benchmark's own variable first, then the test suite's
URL_VARIABLES = {
    "postgresql": ("JOINERY_BENCH_POSTGRES_URL", "JOINERY_TEST_POSTGRES_URL"),
    "mysql": ("JOINERY_BENCH_MYSQL_URL", "JOINERY_TEST_MYSQL_URL"),
}
BACKENDS = ("sqlite", "postgresql", "mysql")


@dataclass
class Backend:
    """One target database plus a scratch folder for SQLite files and image files."""

    name: str
    folder: Path
    with_datajoint: bool = True

    @property
    def url(self) -> str | None:
        if self.name == "sqlite":
            return None
        for variable in URL_VARIABLES[self.name]:
            if os.environ.get(variable):
                return os.environ[variable]
        return DEFAULT_URLS[self.name]

    @property
    def is_server(self) -> bool:
        return self.name != "sqlite"

    def unique(self, tag: str) -> str:
        """A namespace name no other run uses (lower case: MySQL and PostgreSQL fold case differently)."""
        return f"bench_{tag}_{os.getpid()}_{secrets.token_hex(3)}".lower()

    # -- joinery ---------------------------------------------------------------------------------
    def joinery(self, tag: str) -> Any:
        """joinery configured for this backend (a fresh SQLite file per tag), connection reset."""
        import joinery as dj

        dj.config["safemode"] = False
        dj.config["database.backend"] = self.name
        if self.name == "sqlite":
            dj.config["database.path"] = str(self.folder / f"joinery_{self.unique(tag)}.db")
        else:
            params = server_params(self.url or "")
            dj.config["database.host"] = params["host"]
            dj.config["database.port"] = params["port"]
            dj.config["database.user"] = params["user"]
            dj.config["database.password"] = params["password"]
            if params["database"]:
                dj.config["database.name"] = params["database"]
        dj.conn(reset=True)
        return dj

    def joinery_schema(self, tag: str) -> Any:
        return self.joinery(tag).Schema(self.unique(tag))

    # -- raw driver ------------------------------------------------------------------------------
    def raw(self, tag: str) -> RawDB:
        return RawDB(self.name, self.unique(f"raw_{tag}"), url=self.url, folder=self.folder)

    # -- DataJoint -------------------------------------------------------------------------------
    def datajoint_available(self) -> bool:
        """True on a server backend when DataJoint is installed and not switched off."""
        if not (self.is_server and self.with_datajoint):
            return False
        import importlib.util

        return importlib.util.find_spec("datajoint") is not None

    def datajoint(self) -> ModuleType | None:
        """DataJoint configured for this server, or None (SQLite, not installed, or switched off)."""
        if not (self.is_server and self.with_datajoint):
            return None
        os.environ.setdefault("DJ_IGNORE_CONFIG_FILE", "true")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import datajoint
        except ImportError:
            return None
        logging.getLogger("datajoint").setLevel(logging.ERROR)
        params = server_params(self.url or "")
        config = datajoint.config
        config["database.backend"] = self.name
        config["database.host"] = params["host"]
        config["database.port"] = params["port"]
        config["database.user"] = params["user"]
        config["database.password"] = params["password"]
        config["database.use_tls"] = False
        config["safemode"] = False
        if self.name == "postgresql" and params["database"]:
            config["database.name"] = params["database"]
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # MariaDB is "not officially supported": say it once, in the README
            datajoint.conn(reset=True)
        return datajoint

    def datajoint_schema(self, tag: str) -> Any:
        datajoint = self.datajoint()
        return None if datajoint is None else datajoint.Schema(self.unique(f"dj_{tag}"))


def statement_rows(module: Any, backend: Backend, row_bytes: int) -> int | None:
    """How many rows of about ``row_bytes`` DataJoint may send in one INSERT here; None: all at once.

    DataJoint 2.3.5 sends every row of an ``insert()`` as one statement, and a
    MySQL server drops the connection on a packet larger than its
    ``max_allowed_packet`` (16 MB by default): the blob and image workloads
    would fail. So DataJoint's side passes ``chunk_size`` (its own option):
    as many rows as fit half the server's packet (escaped binary data grows,
    and DataJoint's blob header adds a little). joinery needs no such help:
    PyMySQL's ``executemany`` already folds its rows into statements of about
    1 MB, so joinery's side (and the raw side's ``executemany``) is unchanged.
    """
    if getattr(module, "__name__", "") != "datajoint" or backend.name != "mysql":
        return None
    packet = int(module.conn().query("SELECT @@max_allowed_packet").fetchone()[0])
    return max(1, packet // (2 * row_bytes + 1024))


def drop_schema(schema: Any, backend: Backend) -> None:
    """Drop a joinery or DataJoint schema; if the library cannot, drop it with the raw driver.

    The run goes on either way: a library whose backend is still under
    construction must not leave tables behind on a shared server.
    """
    if schema is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema.drop(prompt=False)
        return
    except Exception as error:
        logging.getLogger("benchmarks").warning("schema.drop() failed (%s); dropping with the driver", error)
    if backend.is_server and getattr(schema, "database", None):
        RawDB.drop_namespace(backend.name, schema.database, backend.url or "")
