"""Weekly schedules: a job per schedule (or re-plan of one); its days are stored plans."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from routeplan_api.persistence.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("replan_of", sa.String(32), nullable=True),
        sa.Column("replan_json", sa.Text, nullable=True),
        sa.Column("result_json", sa.Text, nullable=True),
        sa.Column("progress", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_table("schedules")
