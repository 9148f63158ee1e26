"""When a run took the writer lock: a run still ``running`` that took it, found by the next holder of the
lock, died while it held it (killed, out of memory) and is closed as ``abandoned``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("etl_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "locked_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="When the run took the writer lock (none while it waited)",
            )
        )
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=20),
            existing_nullable=False,
            comment="running | succeeded | failed | blocked | abandoned",
            existing_comment="running | succeeded | failed | blocked",
        )


def downgrade() -> None:
    with op.batch_alter_table("etl_run", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=20),
            existing_nullable=False,
            comment="running | succeeded | failed | blocked",
            existing_comment="running | succeeded | failed | blocked | abandoned",
        )
        batch_op.drop_column("locked_at")
