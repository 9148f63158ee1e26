"""The projects of the JSON dumps staged as their elements give them: a nightly run decodes only the
elements of the projects whose digest changed since the run that staged them.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stg_cordis__json_projects",
        sa.Column(
            "dump",
            sa.String(length=200),
            nullable=False,
            comment="File name of the dump, e.g. cordis-h2020projects-json.zip",
        ),
        sa.Column(
            "project_source_id", sa.String(length=40), nullable=False, comment="The project staged from it"
        ),
        sa.Column(
            "digest",
            sa.BigInteger(),
            nullable=False,
            comment="Sum modulo 2**64 of the 64-bit BLAKE2b digests of the project's elements (its project and "
            "participation elements, each from its { to its }), as a signed integer",
        ),
        sa.Column("participations", sa.Integer(), nullable=False, comment="Participation elements it staged"),
        sa.Column("run_id", sa.String(length=64), nullable=False, comment="The run that last decoded them"),
        sa.PrimaryKeyConstraint("dump", "project_source_id", name=op.f("pk_stg_cordis__json_projects")),
        comment="The projects of the JSON dumps staged exactly as the dump's elements give them (written with "
        "the staging, in one transaction): a later run does not decode the elements of a project whose "
        "digest is still this one",
    )


def downgrade() -> None:
    op.drop_table("stg_cordis__json_projects")
