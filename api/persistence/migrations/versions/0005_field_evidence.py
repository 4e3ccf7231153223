"""Field evidence: a report's position (WGS-84, with the phone's accuracy) and who was present."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_events") as batch:
        batch.add_column(sa.Column("position_lon", sa.Float, nullable=True))
        batch.add_column(sa.Column("position_lat", sa.Float, nullable=True))
        batch.add_column(sa.Column("accuracy_m", sa.Float, nullable=True))
        batch.add_column(sa.Column("members_present", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("field_events") as batch:
        batch.drop_column("members_present")
        batch.drop_column("accuracy_m")
        batch.drop_column("position_lat")
        batch.drop_column("position_lon")
