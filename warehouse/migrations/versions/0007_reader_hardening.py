"""PostgreSQL: close what PUBLIC may do by default that a BI reader must not — create temporary tables in the
warehouse database, and take the writer's advisory lock (which would stall every refresh).

Both are revoked from PUBLIC and granted back to the role running the migrations (the writer). Revoking
EXECUTE on the advisory-lock functions needs their owner (a superuser); without that right the step is
skipped with a NOTICE, and the runbook (docs/scaling.md) says to run it as a superuser. On SQLite this
migration does nothing.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LOCK_FUNCTIONS = (
    "pg_advisory_lock(bigint)",
    "pg_try_advisory_lock(bigint)",
    "pg_advisory_xact_lock(bigint)",
    "pg_try_advisory_xact_lock(bigint)",
)


def _each_lock_function(statement: str) -> str:
    return "; ".join(statement.format(fn=fn) for fn in LOCK_FUNCTIONS)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """DO $$ BEGIN
            EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
            EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
        END $$"""
    )
    revoke = _each_lock_function("REVOKE EXECUTE ON FUNCTION {fn} FROM PUBLIC")
    grant = _each_lock_function("EXECUTE format('GRANT EXECUTE ON FUNCTION {fn} TO %I', current_user)")
    op.execute(
        f"""DO $$ BEGIN
            IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                {revoke};
                {grant};
            ELSE
                RAISE NOTICE 'advisory-lock functions left executable by PUBLIC: run migration 0007 as a superuser';
            END IF;
        END $$"""
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$"
    )
    op.execute(
        f"""DO $$ BEGIN
            IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                {_each_lock_function("GRANT EXECUTE ON FUNCTION {fn} TO PUBLIC")};
            END IF;
        END $$"""
    )
