"""indexes for the mart queries of analysts and BI tools

The analyst questions (warehouse/analyst_queries.py) and the usual BI filters, timed by
benchmarks/mart_queries.py on a 60,000-project warehouse (benchmarks/README.md). Every publish replaces all
mart rows, so each index also adds to the publish time: only what a measured query needed is here.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = (
    (
        "ix_mart_inventory_is_flemish_is_industry40_source",
        "mart_inventory",
        ["is_flemish", "is_industry40", "source"],
    ),
    ("ix_mart_inventory_eu_contribution_eur", "mart_inventory", ["eu_contribution_eur"]),
    ("ix_mart_funding_by_year_source", "mart_funding_by_year", ["source"]),
    (
        "ix_mart_funding_by_year_project_key_amounts",
        "mart_funding_by_year",
        ["project_key", "year", "eu_contribution_eur", "flemish_contribution_eur"],
    ),
    (
        "ix_mart_funding_by_year_year_amounts",
        "mart_funding_by_year",
        ["year", "source", "eu_contribution_eur", "flemish_contribution_eur"],
    ),
    ("ix_mart_participations_organisation_key", "mart_participations", ["organisation_key"]),
    ("ix_mart_participations_country_project_key", "mart_participations", ["country", "project_key"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
