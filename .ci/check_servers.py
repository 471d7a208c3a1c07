"""Fail fast, with a clear message, when a database server the tests need is unreachable."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse


def check(url: str) -> str | None:
    parts = urlparse(url)
    try:
        if parts.scheme.startswith("postgres"):
            import psycopg

            psycopg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=parts.username,
                dbname=parts.path.lstrip("/") or "postgres",
                connect_timeout=5,
            ).close()
        else:
            import pymysql

            pymysql.connect(
                host=parts.hostname,
                port=parts.port or 3306,
                user=parts.username,
                password=parts.password or "",
                connect_timeout=5,
            ).close()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return f"{url}: {error}"
    return None


def main() -> int:
    urls = [
        os.environ[k] for k in ("JOINERY_TEST_POSTGRES_URL", "JOINERY_TEST_MYSQL_URL") if os.environ.get(k)
    ]
    failures = [f for f in map(check, urls) if f]
    for failure in failures:
        print(f"database server unreachable: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
