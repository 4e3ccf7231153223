"""What the comparison and schedule stores share: their rows are jobs of one shape."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routeplan_api.persistence.database import utc_now
from routeplan_api.persistence.tables import JobStatus


def reap_rows(s: Session, row: Any, *, stale_after: timedelta, max_attempts: int,
              what: str) -> list[tuple[str, int]]:
    """Rows of `row`'s table whose worker went silent: re-queued (id, attempt) or failed."""
    cutoff = utc_now() - stale_after
    requeue: list[tuple[str, int]] = []
    for c in s.scalars(select(row).where(row.status == JobStatus.SOLVING,
                                         row.heartbeat_at < cutoff)):
        if c.attempt < max_attempts:
            c.attempt += 1
            c.status, c.worker, c.heartbeat_at = JobStatus.QUEUED, None, None
            requeue.append((c.id, c.attempt))
        else:
            c.status, c.finished_at = JobStatus.FAILED, utc_now()
            c.error = json.dumps({
                "error": "worker_lost",
                "message": f"the worker stopped answering during attempt {c.attempt} "
                           f"of {max_attempts}; submit the {what} again"})
    return requeue


def queued_rows(s: Session, row: Any) -> list[tuple[str, int]]:
    """Every queued row's (id, attempt), to hand again to a fresh local pool."""
    return [(c, a) for c, a in s.execute(select(row.id, row.attempt).where(
        row.status == JobStatus.QUEUED))]
