"""Weekly schedules: request, status, progress, heartbeats and attempts, the result document."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update

from routeplan_api.persistence.database import Part, utc_now
from routeplan_api.persistence.jobrows import queued_rows, reap_rows
from routeplan_api.persistence.tables import JobStatus, ScheduleRow


class ScheduleStore(Part):
    """Schedules run as jobs like plans and comparisons (claimed, beating, reaped)."""

    def create(self, *, start: date, days: int, request: dict[str, Any], time_limit_s: float,
               seed: int, by: str, replan_of: str | None = None,
               replan: dict[str, Any] | None = None) -> ScheduleRow:
        row = ScheduleRow(id=secrets.token_urlsafe(12), start=start, days=days,
                          status=JobStatus.QUEUED,
                          request_json=json.dumps(request, ensure_ascii=False),
                          replan_of=replan_of,
                          replan_json=(json.dumps(replan, ensure_ascii=False)
                                       if replan is not None else None),
                          time_limit_s=time_limit_s, seed=seed, created_at=self.clock(),
                          created_by=by)
        with self._session.begin() as s:
            s.add(row)
        return row

    def get(self, schedule_id: str) -> ScheduleRow | None:
        with self._session() as s:
            return s.get(ScheduleRow, schedule_id)

    def claim(self, schedule_id: str, attempt: int, worker: str) -> ScheduleRow | None:
        """Mark a queued attempt as solving by `worker`; None when stale, taken or unknown."""
        with self._session.begin() as s:
            result = s.execute(update(ScheduleRow).where(
                ScheduleRow.id == schedule_id, ScheduleRow.status == JobStatus.QUEUED,
                ScheduleRow.attempt == attempt)
                .values(status=JobStatus.SOLVING, worker=worker, started_at=utc_now(),
                        heartbeat_at=utc_now()))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            return s.get_one(ScheduleRow, schedule_id)

    def _running(self, schedule_id: str, worker: str) -> Any:
        return update(ScheduleRow).where(
            ScheduleRow.id == schedule_id, ScheduleRow.status == JobStatus.SOLVING,
            ScheduleRow.worker == worker)

    def heartbeat(self, schedule_id: str, worker: str,
                  progress: dict[str, Any] | None = None) -> bool:
        """Say the worker is alive (and how far it got); False when no longer its."""
        values: dict[str, Any] = {"heartbeat_at": utc_now()}
        if progress is not None:
            values["progress"] = json.dumps(progress)
        with self._session.begin() as s:
            result = s.execute(self._running(schedule_id, worker).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish(self, schedule_id: str, worker: str, result: dict[str, Any],
               progress: dict[str, Any]) -> bool:
        with self._session.begin() as s:
            done = s.execute(self._running(schedule_id, worker).values(
                status=JobStatus.DONE, result_json=json.dumps(result, ensure_ascii=False),
                progress=json.dumps(progress), finished_at=utc_now(), error=None))
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def fail(self, schedule_id: str, worker: str, error: dict[str, Any]) -> None:
        with self._session.begin() as s:
            s.execute(self._running(schedule_id, worker).values(
                status=JobStatus.FAILED, error=json.dumps(error, ensure_ascii=False),
                finished_at=utc_now()))

    def reap(self, *, stale_after: timedelta, max_attempts: int) -> list[tuple[str, int]]:
        """Schedules whose worker went silent: re-queued (id, attempt) or failed."""
        with self._session.begin() as s:
            return reap_rows(s, ScheduleRow, stale_after=stale_after, max_attempts=max_attempts,
                             what="schedule")

    def queued(self) -> list[tuple[str, int]]:
        """Every queued schedule (to hand again to a fresh local pool after a restart)."""
        with self._session() as s:
            return queued_rows(s, ScheduleRow)
