"""Comparisons report heartbeats and attempts, so one whose worker dies is retried or failed."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from routeplan_api.persistence.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comparisons") as batch:
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempt", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("comparisons") as batch:
        batch.drop_column("attempt")
        batch.drop_column("heartbeat_at")
