"""Least privilege of the BI role ``inventory_reader`` (migration 0003), on PostgreSQL, after a real load and
publish: as that role (``SET ROLE``) every mart reads back the rows the owner sees, and everything else is
refused with ``InsufficientPrivilege``, table by table (the tables are listed from the catalogue, so a table
a later migration adds is covered without editing this test).

``test_postgres_parity.py`` logs in as a member of the role and tries a sample of statements; this module
goes through every table and every write privilege, and checks the role's own attributes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from tests.conftest import POSTGRES_URL
from tests.loading import load

pytestmark = pytest.mark.postgres

READER = "inventory_reader"


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture(scope="module")
def warehouse() -> Iterator[str]:
    """A fresh database for this module, migrated, with the recorded dumps loaded and published (marts not
    empty); shared by the tests because everything they run as the reader is rolled back."""
    if not POSTGRES_URL:
        pytest.skip("INVENTORY_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    name = f"inventory_test_{uuid.uuid4().hex[:10]}"
    with _connect(POSTGRES_URL) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    try:
        load(url, "run-least-privilege")
        yield url
    finally:
        with _connect(POSTGRES_URL) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def _refused(conn: psycopg.Connection, statement: sql.Composable | str) -> bool:
    """True when ``statement``, run as the reader, fails for lack of privilege (the transaction is rolled
    back either way: nothing a statement that was not refused did is kept)."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL ROLE " + READER)
            conn.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    return False


def _as_reader(conn: psycopg.Connection, statement: sql.Composable | str) -> list[tuple]:
    with conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL ROLE " + READER)
        return conn.execute(statement).fetchall()


def test_the_reader_role_cannot_log_in_and_holds_no_power_of_its_own(warehouse: str) -> None:
    with _connect(warehouse) as conn:
        attributes = conn.execute(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit"
            " FROM pg_roles WHERE rolname = %s",
            [READER],
        ).fetchone()
        member_of = conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
            " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
            [READER],
        ).fetchall()
    assert attributes == (False, False, False, False, False, False, True)
    assert member_of == []  # not in pg_read_all_data or any other role that would widen it


def test_the_reader_selects_every_mart_with_the_rows_the_owner_sees(warehouse: str) -> None:
    with _connect(warehouse) as conn:
        marts = [name for name in _tables(conn) if name.startswith("mart_")]
        assert len(marts) >= 6
        for mart in marts:
            count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(mart))
            owner_rows = conn.execute(count).fetchone()
            assert _as_reader(conn, count) == [owner_rows], mart
        assert conn.execute("SELECT count(*) FROM mart_inventory").fetchone()[0] > 0  # a real publish


@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO {mart} SELECT * FROM {mart} LIMIT 1",
        "UPDATE {mart} SET {column} = {column}",
        "DELETE FROM {mart}",
        "TRUNCATE {mart}",
        "DROP TABLE {mart}",
        "ALTER TABLE {mart} ADD COLUMN sneaky int",
        "CREATE INDEX sneaky_idx ON {mart} ({column})",
        "COMMENT ON TABLE {mart} IS 'sneaky'",
    ],
)
def test_every_write_to_every_mart_is_refused(warehouse: str, write: str) -> None:
    with _connect(warehouse) as conn:
        marts = [name for name in _tables(conn) if name.startswith("mart_")]
        allowed = []
        for mart in marts:
            column = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position"
                " LIMIT 1",
                [mart],
            ).fetchone()[0]
            statement = sql.SQL(write).format(mart=sql.Identifier(mart), column=sql.Identifier(column))
            if not _refused(conn, statement):
                allowed.append(mart)
    assert allowed == []


def test_every_table_that_is_not_a_mart_is_unreadable(warehouse: str) -> None:
    with _connect(warehouse) as conn:
        others = [name for name in _tables(conn) if not name.startswith("mart_")]
        readable = [
            name
            for name in others
            if not _refused(conn, sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(name)))
        ]
    # the layers named in the brief must be among those checked, so a rename cannot empty this test
    for expected in ("stg_cordis__projects", "stg_cordis__participations", "core_projects", "quarantine"):
        assert expected in others
    assert {"raw_manifest", "etl_run", "alembic_version"} <= set(others)
    assert readable == []


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.sneaky (x int)",
        "CREATE VIEW public.sneaky AS SELECT 1 AS x",
        "CREATE FUNCTION public.sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SCHEMA sneaky",
        "ALTER TABLE etl_run ADD COLUMN sneaky int",
        "DROP TABLE etl_run",
        "TRUNCATE quarantine",
        "INSERT INTO etl_run (run_id) VALUES ('x')",
        "UPDATE raw_manifest SET url = url",
        "DELETE FROM stg_cordis__projects",
    ],
)
def test_creating_objects_and_touching_the_pipeline_tables_is_refused(warehouse: str, statement: str) -> None:
    with _connect(warehouse) as conn:
        assert _refused(conn, statement)


def test_a_grant_by_the_reader_grants_nothing(warehouse: str) -> None:
    """PostgreSQL answers a GRANT on a table one does not own with a warning, not an error: what counts is
    that no privilege changed."""
    acl = (
        "SELECT relname, relacl::text FROM pg_class WHERE relname IN ('mart_inventory', 'etl_run') ORDER BY 1"
    )
    with _connect(warehouse) as conn:
        before = conn.execute(acl).fetchall()
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL ROLE " + READER)
            conn.execute("GRANT INSERT, UPDATE, DELETE ON mart_inventory TO PUBLIC")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("GRANT SELECT ON etl_run TO PUBLIC")
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL ROLE " + READER)
            conn.execute("GRANT INSERT, UPDATE, DELETE ON mart_inventory TO PUBLIC")
            after = conn.execute(acl).fetchall()
    assert after == before


def test_the_reader_cannot_create_temporary_tables(warehouse: str) -> None:
    with _connect(warehouse) as conn:
        assert _refused(conn, "CREATE TEMPORARY TABLE sneaky (x int)")


def test_the_reader_cannot_take_the_writers_advisory_lock(warehouse: str) -> None:
    from warehouse.lock import ADVISORY_KEY

    with _connect(warehouse) as conn:
        assert _refused(conn, sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(ADVISORY_KEY)))
