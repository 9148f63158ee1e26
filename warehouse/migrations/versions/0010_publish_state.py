"""What built the published inventory: a publish rewrites only the per-project rows of the projects that
changed when the stored rows come from the same code (``warehouse.publish``).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publish_state",
        sa.Column("name", sa.String(length=40), nullable=False, comment="What was published: 'inventory'"),
        sa.Column(
            "build_fingerprint",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the code and taxonomies that built the published core and marts "
            "(transforms.build_version)",
        ),
        sa.Column("run_id", sa.String(length=64), nullable=False, comment="The run that published"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_publish_state")),
        comment="What built the published inventory (written in the publish's transaction): a publish "
        "rewrites only the per-project rows of the projects that changed when the stored rows come from the "
        "same code",
    )


def downgrade() -> None:
    op.drop_table("publish_state")
