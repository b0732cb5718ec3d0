"""Fixtures: a real PostgreSQL server for the session (skipped with a reason when none can start).

``log_url`` runs a test on both backends: a fresh SQLite file, and a fresh schema on the
session's PostgreSQL server (Debian's ``postgresql`` package and ``psycopg``; ``.ci/run``
installs both). The server runs as the ``postgres`` user under root, on a free loopback port,
and is stopped (``pg_ctl stop -m immediate``) at the end of the session, failed tests or not.
"""

from __future__ import annotations

import itertools

import pytest
from _pg_server import Server, Unavailable, start_server
from sqlalchemy import create_engine, text

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server, or a skip saying why there is none."""
    try:
        import psycopg  # noqa: F401 - the driver the log's postgresql+psycopg URLs need
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]'); PostgreSQL tests skipped")
    try:
        server = start_server()
    except Unavailable as exc:
        pytest.skip(f"no PostgreSQL server for the tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_admin(pg_server: Server):
    """An autocommit superuser engine on the server's ``postgres`` database."""
    engine = create_engine(pg_server.url, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def pg_schema(pg_admin) -> str:
    """A new, empty schema on the server (one per test; quicker than a database each)."""
    schema = f"log_{next(_numbers)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return schema


@pytest.fixture
def pg_url(pg_server: Server, pg_schema: str) -> str:
    """The superuser's URL of the test's schema."""
    return pg_server.schema_url(pg_schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request, tmp_path) -> str:
    """An empty log's URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.sqlite'}"
    return request.getfixturevalue("pg_url")
