"""Tables added for maps and analysts (migration 0002): event ids, version controls, comparisons.

Kept apart from `routeplan_api.db` so the first schema stays as it was; they share its `Base`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from routeplan_api.db import Base, UTCDateTime


class FieldEventId(Base):
    """The phone's `event_id` of a stored field event: a repeat of the same id is refused (409)."""

    __tablename__ = "field_event_ids"
    plan_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_row: Mapped[int] = mapped_column(Integer)


class VersionControl(Base):
    """What a plan version is beyond a plain solve: a stop request, a re-plan and its changes."""

    __tablename__ = "plan_version_controls"
    plan_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    replan_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class ComparisonRow(Base):
    """A what-if comparison: its request, status, and the result document and report once done."""

    __tablename__ = "comparisons"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    request_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    report_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    time_limit_s: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
