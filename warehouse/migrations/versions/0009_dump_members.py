"""The XML dump members staged as they are: a nightly run opens only the project documents whose CRC-32 or
size changed since the run that staged them.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stg_cordis__dump_members",
        sa.Column(
            "dump",
            sa.String(length=200),
            nullable=False,
            comment="File name of the dump, e.g. cordis-HORIZONprojects-xml.zip",
        ),
        sa.Column(
            "member",
            sa.String(length=500),
            nullable=False,
            comment="Zip member: one project document of an XML dump",
        ),
        sa.Column(
            "crc32",
            sa.BigInteger(),
            nullable=False,
            comment="CRC-32 of the member, from the zip's central directory",
        ),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False, comment="Uncompressed size of the member"),
        sa.Column("project_source_id", sa.String(length=40), nullable=False, comment="The project it staged"),
        sa.Column("participations", sa.Integer(), nullable=False, comment="Participations it staged"),
        sa.Column("run_id", sa.String(length=64), nullable=False, comment="The run that last read it"),
        sa.PrimaryKeyConstraint("dump", "member", name=op.f("pk_stg_cordis__dump_members")),
        comment="The XML dump members whose project is staged exactly as they hold it (written with the "
        "staging, in one transaction): a later run does not open a member whose CRC-32 and size are still "
        "these",
    )
    op.create_index(
        op.f("ix_stg_cordis__dump_members_project_source_id"),
        "stg_cordis__dump_members",
        ["project_source_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_stg_cordis__dump_members_project_source_id"), table_name="stg_cordis__dump_members"
    )
    op.drop_table("stg_cordis__dump_members")
