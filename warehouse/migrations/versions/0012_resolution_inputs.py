"""What the published resolution of organisations read: a night whose organisations' first participations
are all these keeps the published resolution (``transforms.scoped_core``).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_resolution_inputs",
        sa.Column(
            "source",
            sa.String(length=20),
            nullable=False,
            comment="cordis, or the source of an organisation known by name",
        ),
        sa.Column(
            "source_ref",
            sa.String(length=250),
            nullable=False,
            comment="The CORDIS organisationID, or project/name",
        ),
        sa.Column(
            "input_order", sa.Integer(), nullable=False, comment="Its place in the resolution's input, from 0"
        ),
        sa.Column(
            "project_source_id",
            sa.String(length=40),
            nullable=True,
            comment="CORDIS: the project of its first staged participation",
        ),
        sa.Column(
            "role", sa.String(length=40), nullable=True, comment="CORDIS: the role of that participation"
        ),
        sa.Column("order_no", sa.Integer(), nullable=True, comment="CORDIS: the order of that participation"),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("vat_number", sa.String(length=60), nullable=True),
        sa.Column("country", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("source", "source_ref", name=op.f("pk_org_resolution_inputs")),
        comment="What the published resolution of organisations read (written in the publish's transaction): "
        "each CORDIS organisation's first staged participation in natural key order, then the organisations "
        "known by name. A night whose organisations' first participations are all these keeps the published "
        "resolution",
    )


def downgrade() -> None:
    op.drop_table("org_resolution_inputs")
