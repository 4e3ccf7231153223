"""Maps and analysts: field event ids (idempotent reports), version controls, comparisons."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from routeplan_api.persistence.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_event_ids",
        sa.Column("plan_id", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_row", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan_version_controls",
        sa.Column("plan_id", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("stop_requested_at", UTCDateTime(), nullable=True),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("replan_json", sa.Text, nullable=True),
        sa.Column("changes_json", sa.Text, nullable=True),
    )
    op.create_table(
        "comparisons",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("result_json", sa.Text, nullable=True),
        sa.Column("report_html", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    for table in ("comparisons", "plan_version_controls", "field_event_ids"):
        op.drop_table(table)
