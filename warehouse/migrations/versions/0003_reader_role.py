"""PostgreSQL: the read-only BI role inventory_reader, allowed to SELECT the marts and nothing else.

The role is a group role without login (roles are cluster-wide): BI logins are made members of it,
e.g. ``CREATE ROLE metabase LOGIN PASSWORD '...' IN ROLE inventory_reader``. On SQLite this migration does
nothing (SQLite has no roles; share a read-only copy of the file instead).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

READER = "inventory_reader"
MARTS = (
    "mart_inventory",
    "mart_funding_by_year",
    "mart_organisations",
    "mart_participations",
    "mart_theme_gaps",
    "mart_nl_cooperation",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER}') THEN
                CREATE ROLE {READER} NOLOGIN;
            END IF;
        END $$"""
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {READER}")
    for mart in MARTS:
        op.execute(f"GRANT SELECT ON {mart} TO {READER}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for mart in MARTS:
        op.execute(f"REVOKE SELECT ON {mart} FROM {READER}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {READER}")
