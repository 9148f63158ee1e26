"""VLAIO proeftuinen and their organisations in staging; batch and focus of a project

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _money(name: str, comment: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=True, comment=comment)


# VLAIO project keys ('vlaio:industrie40:nl/proeftuinen/<slug>') outgrow the 80 characters CORDIS ids needed.
WIDENED = (
    ("core_projects", "project_key"), ("core_projects", "source_id"), ("core_participations", "project_key"),
    ("core_project_themes", "project_key"), ("core_yearly_funding", "project_key"),
    ("mart_inventory", "project_key"), ("mart_inventory", "source_id"), ("mart_funding_by_year", "project_key"),
    ("mart_participations", "project_key"), ("mart_nl_cooperation", "project_key"),
)  # fmt: skip


def _resize(length_from: int, length_to: int) -> None:
    for table, column in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=length_from),
                type_=sa.String(length=length_to),
                existing_nullable=False,
            )


def upgrade() -> None:
    _resize(80, 300)
    op.create_table(
        "stg_vlaio__projects",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column(
            "source_id",
            sa.String(length=300),
            nullable=False,
            comment="Site key + URL path, or 'reference:<id>'",
        ),
        sa.Column("acronym", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("programme", sa.String(length=40), nullable=True),
        sa.Column("funding_scheme", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        _money("total_cost_eur", "Budget the page states"),
        _money("subsidy_eur", "VLAIO subsidy the page states"),
        sa.Column("themes", sa.Text(), nullable=True),
        sa.Column("sectors", sa.Text(), nullable=True),
        sa.Column("focus", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column(
            "batch", sa.String(length=10), nullable=True, comment="Call batch (1: 2017 call, 2: 2018 call)"
        ),
        sa.Column("proeftuin_label", sa.Text(), nullable=True),
        sa.Column("executors", sa.Text(), nullable=True, comment="Executing organisations, '; '-separated"),
        sa.Column("partners", sa.Text(), nullable=True, comment="Partners, '; '-separated"),
        sa.Column("period_text", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("page_sha256", sa.String(length=64), nullable=True),
        sa.Column("field_hashes", sa.Text(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.String(length=40), nullable=True),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_stg_vlaio__projects")),
        comment="VLAIO proeftuinen: one row per proeftuin page, plus reference proeftuinen no page was found for",
    )
    op.create_table(
        "stg_vlaio__organisations",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("project_source_id", sa.String(length=300), nullable=False),
        sa.Column(
            "order_no",
            sa.Integer(),
            nullable=False,
            comment="Order in which the page names it (executors first)",
        ),
        sa.Column("name", sa.Text(), nullable=False, comment="Name as the page (or the reference) gives it"),
        sa.Column("role", sa.String(length=20), nullable=False, comment="uitvoerder | partner"),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("project_source_id", "order_no", name=op.f("pk_stg_vlaio__organisations")),
        comment="Organisations of the VLAIO proeftuinen, as the sources name them",
    )
    for table in ("core_projects", "mart_inventory"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "batch",
                    sa.String(length=10),
                    nullable=True,
                    comment="VLAIO call batch (1: the 2017 call, 2: the 2018 call)",
                )
            )
            batch_op.add_column(
                sa.Column(
                    "focus",
                    sa.Text(),
                    nullable=True,
                    comment="What a proeftuin does, as its page (or the reference) states it",
                )
            )
    # the reader role (0003) reads marts only: the new staging tables are not granted


def downgrade() -> None:
    _resize(300, 80)
    for table in ("mart_inventory", "core_projects"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("focus")
            batch_op.drop_column("batch")
    op.drop_table("stg_vlaio__organisations")
    op.drop_table("stg_vlaio__projects")
