"""What-if comparisons: request, status, heartbeats and attempts, the result and its report."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from routeplan_api.persistence.database import Part, utc_now
from routeplan_api.persistence.jobrows import queued_rows, reap_rows
from routeplan_api.persistence.tables import ComparisonRow, JobStatus


class ComparisonStore(Part):
    """Comparisons run as jobs like plans (claimed, beating, reaped)."""

    def create(self, *, day: date, request: dict[str, Any], time_limit_s: float,
                          seed: int, by: str) -> ComparisonRow:
        row = ComparisonRow(id=secrets.token_urlsafe(12), day=day, status=JobStatus.QUEUED,
                            request_json=json.dumps(request, ensure_ascii=False),
                            time_limit_s=time_limit_s, seed=seed, created_at=self.clock(),
                            created_by=by)
        with self._session.begin() as s:
            s.add(row)
        return row

    def recent(self, limit: int = 50) -> list[tuple[str, date, str, datetime]]:
        """(id, day, status, created) of the newest comparisons."""
        with self._session() as s:
            rows = s.execute(select(ComparisonRow.id, ComparisonRow.day, ComparisonRow.status,
                                    ComparisonRow.created_at)
                             .order_by(ComparisonRow.created_at.desc()).limit(limit))
            return [(r[0], r[1], r[2], r[3]) for r in rows]

    def get(self, comparison_id: str) -> ComparisonRow | None:
        with self._session() as s:
            return s.get(ComparisonRow, comparison_id)

    def claim(self, comparison_id: str, worker: str) -> ComparisonRow | None:
        """Mark a queued comparison as solving by `worker`; None when taken or unknown."""
        with self._session.begin() as s:
            result = s.execute(update(ComparisonRow).where(
                ComparisonRow.id == comparison_id, ComparisonRow.status == JobStatus.QUEUED)
                .values(status=JobStatus.SOLVING, worker=worker, started_at=utc_now(),
                        heartbeat_at=utc_now()))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            return s.get_one(ComparisonRow, comparison_id)

    def heartbeat(self, comparison_id: str, worker: str) -> bool:
        """Say the comparison's worker is alive; False when the comparison is no longer its."""
        with self._session.begin() as s:
            result = s.execute(update(ComparisonRow).where(
                ComparisonRow.id == comparison_id, ComparisonRow.status == JobStatus.SOLVING,
                ComparisonRow.worker == worker).values(heartbeat_at=utc_now()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def reap(self, *, stale_after: timedelta, max_attempts: int) -> list[tuple[str, int]]:
        """Comparisons whose worker went silent: re-queued (id, attempt) or failed."""
        with self._session.begin() as s:
            return reap_rows(s, ComparisonRow, stale_after=stale_after, max_attempts=max_attempts,
                             what="comparison")

    def queued(self) -> list[tuple[str, int]]:
        """Every queued comparison (to hand again to a fresh local pool after a restart)."""
        with self._session() as s:
            return queued_rows(s, ComparisonRow)

    def finish(self, comparison_id: str, result: dict[str, Any],
                          report: str) -> None:
        with self._session.begin() as s:
            s.execute(update(ComparisonRow).where(ComparisonRow.id == comparison_id).values(
                status=JobStatus.DONE, result_json=json.dumps(result, ensure_ascii=False),
                report_html=report, finished_at=utc_now()))

    def fail(self, comparison_id: str, error: dict[str, Any]) -> None:
        with self._session.begin() as s:
            s.execute(update(ComparisonRow).where(ComparisonRow.id == comparison_id).values(
                status=JobStatus.FAILED, error=json.dumps(error, ensure_ascii=False),
                finished_at=utc_now()))
