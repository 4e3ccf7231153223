"""Store reads and writes for maps and analysts: versions, events, stop, re-plan, what-if.

A mixin of `routeplan_api.store.Store` (same sessions, same clock), kept in its own module so
the first store stays as it was. Job times are wall-clock, as in the first store.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from routeplan_api.db import ApiKey, FieldEvent, PlanInput, PlanRow, PlanVersion
from routeplan_api.db_analysis import ComparisonRow, FieldEventId, VersionControl

QUEUED, SOLVING, DONE, FAILED = "queued", "solving", "done", "failed"


def _wall() -> datetime:
    return datetime.now(UTC)


class Busy(Exception):
    """A version of the plan is still queued or solving: a re-plan would race it."""


class AnalysisStore:
    """Mixed into `Store`: everything issue 5 (maps) and issue 8 (analysts) keep."""

    _session: sessionmaker[Session]
    clock: Callable[[], datetime]

    # -- versions ------------------------------------------------------------------------

    def get_version(self, plan_id: str, version: int) -> tuple[PlanRow, PlanVersion] | None:
        """A given version of a live plan (the audit trail keeps every version readable)."""
        with self._session() as s:
            plan = s.get(PlanRow, plan_id)
            if plan is None or plan.archived_at is not None:
                return None
            v = s.get(PlanVersion, (plan_id, version))
            return None if v is None else (plan, v)

    def latest_done(self, plan_id: str) -> tuple[PlanRow, PlanVersion] | None:
        """The newest finished version: what field links show while a re-plan is solving."""
        with self._session() as s:
            plan = s.get(PlanRow, plan_id)
            if plan is None or plan.archived_at is not None:
                return None
            v = s.scalars(select(PlanVersion).where(
                PlanVersion.plan_id == plan_id, PlanVersion.status == DONE)
                .order_by(PlanVersion.version.desc()).limit(1)).first()
            return None if v is None else (plan, v)

    def version_numbers(self, plan_id: str) -> list[int]:
        with self._session() as s:
            return list(s.scalars(select(PlanVersion.version)
                                  .where(PlanVersion.plan_id == plan_id)
                                  .order_by(PlanVersion.version)))

    def inputs_of(self, plan_id: str, version: int) -> PlanInput | None:
        with self._session() as s:
            return s.get(PlanInput, (plan_id, version))

    def key_by_id(self, key_id: str) -> ApiKey | None:
        with self._session() as s:
            return s.get(ApiKey, key_id)

    def control(self, plan_id: str, version: int) -> VersionControl | None:
        with self._session() as s:
            return s.get(VersionControl, (plan_id, version))

    # -- field events, once per event_id -------------------------------------------------

    def add_event_once(self, *, plan_id: str, version: int, team_id: str, visit_id: str,
                       status: str, at: datetime, note: str, link_id: str,
                       event_id: str | None) -> FieldEvent | None:
        """Store a field event; None when its `event_id` is stored already (a phone's retry)."""
        row = FieldEvent(plan_id=plan_id, version=version, team_id=team_id, visit_id=visit_id,
                         status=status, at=at, note=note, link_id=link_id,
                         received_at=self.clock())
        try:
            with self._session.begin() as s:
                if event_id is not None:
                    seen = s.get(FieldEventId, (plan_id, event_id))
                    if seen is not None:
                        return None
                s.add(row)
                s.flush()
                if event_id is not None:
                    s.add(FieldEventId(plan_id=plan_id, event_id=event_id, event_row=row.id))
        except IntegrityError:  # the same id arriving twice at once
            return None
        return row

    # -- stopping a solve early ----------------------------------------------------------

    def request_stop(self, plan_id: str, version: int) -> bool:
        """Ask the worker solving this version to stop and keep its best plan so far."""
        with self._session.begin() as s:
            v = s.get(PlanVersion, (plan_id, version))
            if v is None or v.status not in (QUEUED, SOLVING):
                return False
            c = s.get(VersionControl, (plan_id, version))
            if c is None:
                s.add(VersionControl(plan_id=plan_id, version=version,
                                     stop_requested_at=_wall()))
            elif c.stop_requested_at is None:
                c.stop_requested_at = _wall()
            return True

    def stop_requested(self, plan_id: str, version: int) -> bool:
        with self._session() as s:
            at = s.scalar(select(VersionControl.stop_requested_at).where(
                VersionControl.plan_id == plan_id, VersionControl.version == version))
            return at is not None

    # -- re-planning ---------------------------------------------------------------------

    def create_replan(self, plan_id: str, request: dict[str, Any], *, time_limit_s: float,
                      seed: int) -> PlanVersion:
        """Queue version N+1 re-planning the newest finished version; it becomes current.

        Raises Busy when a version is still queued or solving, LookupError when no version is
        finished. The day's inputs and policy are those of the version re-planned.
        """
        try:
            with self._session.begin() as s:
                plan = s.get_one(PlanRow, plan_id)
                busy = s.scalar(select(func.count()).select_from(PlanVersion).where(
                    PlanVersion.plan_id == plan_id,
                    PlanVersion.status.in_((QUEUED, SOLVING))))
                if busy:
                    raise Busy(plan_id)
                base = s.scalars(select(PlanVersion).where(
                    PlanVersion.plan_id == plan_id, PlanVersion.status == DONE)
                    .order_by(PlanVersion.version.desc()).limit(1)).first()
                if base is None:
                    raise LookupError(plan_id)
                top = s.scalar(select(func.max(PlanVersion.version))
                               .where(PlanVersion.plan_id == plan_id)) or 0
                n = top + 1
                inputs = s.get_one(PlanInput, (plan_id, base.version))
                v = PlanVersion(plan_id=plan_id, version=n, status=QUEUED,
                                policy_name=base.policy_name, policy_version=base.policy_version,
                                policy_json=base.policy_json, time_limit_s=time_limit_s,
                                seed=seed, attempt=1, created_at=self.clock())
                s.add(v)
                s.add(PlanInput(plan_id=plan_id, version=n, kind=inputs.kind,
                                visits_name=inputs.visits_name, visits_data=inputs.visits_data,
                                teams_name=inputs.teams_name, teams_data=inputs.teams_data))
                s.add(VersionControl(plan_id=plan_id, version=n, base_version=base.version,
                                     replan_json=json.dumps(request, ensure_ascii=False)))
                plan.current_version = n
        except IntegrityError:  # another re-plan took the number first
            raise Busy(plan_id) from None
        return v

    def set_changes(self, plan_id: str, version: int, changes: dict[str, Any]) -> None:
        with self._session.begin() as s:
            s.execute(update(VersionControl).where(
                VersionControl.plan_id == plan_id, VersionControl.version == version)
                .values(changes_json=json.dumps(changes, ensure_ascii=False)))

    # -- comparisons ---------------------------------------------------------------------

    def create_comparison(self, *, day: date, request: dict[str, Any], time_limit_s: float,
                          seed: int, by: str) -> ComparisonRow:
        row = ComparisonRow(id=secrets.token_urlsafe(12), day=day, status=QUEUED,
                            request_json=json.dumps(request, ensure_ascii=False),
                            time_limit_s=time_limit_s, seed=seed, created_at=self.clock(),
                            created_by=by)
        with self._session.begin() as s:
            s.add(row)
        return row

    def get_comparison(self, comparison_id: str) -> ComparisonRow | None:
        with self._session() as s:
            return s.get(ComparisonRow, comparison_id)

    def claim_comparison(self, comparison_id: str, worker: str) -> ComparisonRow | None:
        """Mark a queued comparison as solving by `worker`; None when taken or unknown."""
        with self._session.begin() as s:
            result = s.execute(update(ComparisonRow).where(
                ComparisonRow.id == comparison_id, ComparisonRow.status == QUEUED)
                .values(status=SOLVING, worker=worker, started_at=_wall(),
                        heartbeat_at=_wall()))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            return s.get_one(ComparisonRow, comparison_id)

    def heartbeat_comparison(self, comparison_id: str, worker: str) -> bool:
        """Say the comparison's worker is alive; False when the comparison is no longer its."""
        with self._session.begin() as s:
            result = s.execute(update(ComparisonRow).where(
                ComparisonRow.id == comparison_id, ComparisonRow.status == SOLVING,
                ComparisonRow.worker == worker).values(heartbeat_at=_wall()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def reap_comparisons(self, *, stale_after: timedelta, max_attempts: int) -> list[str]:
        """Comparisons whose worker went silent: re-queued (their ids returned) or failed."""
        cutoff = _wall() - stale_after
        requeue: list[str] = []
        with self._session.begin() as s:
            for c in s.scalars(select(ComparisonRow).where(
                    ComparisonRow.status == SOLVING, ComparisonRow.heartbeat_at < cutoff)):
                if c.attempt < max_attempts:
                    c.attempt += 1
                    c.status, c.worker, c.heartbeat_at = QUEUED, None, None
                    requeue.append(c.id)
                else:
                    c.status, c.finished_at = FAILED, _wall()
                    c.error = json.dumps({
                        "error": "worker_lost",
                        "message": f"the worker stopped answering during attempt {c.attempt} "
                                   f"of {max_attempts}; submit the comparison again"})
        return requeue

    def queued_comparisons(self) -> list[str]:
        """Every queued comparison (to hand again to a fresh local pool after a restart)."""
        with self._session() as s:
            return list(s.scalars(select(ComparisonRow.id).where(
                ComparisonRow.status == QUEUED)))

    def finish_comparison(self, comparison_id: str, result: dict[str, Any],
                          report: str) -> None:
        with self._session.begin() as s:
            s.execute(update(ComparisonRow).where(ComparisonRow.id == comparison_id).values(
                status=DONE, result_json=json.dumps(result, ensure_ascii=False),
                report_html=report, finished_at=_wall()))

    def fail_comparison(self, comparison_id: str, error: dict[str, Any]) -> None:
        with self._session.begin() as s:
            s.execute(update(ComparisonRow).where(ComparisonRow.id == comparison_id).values(
                status=FAILED, error=json.dumps(error, ensure_ascii=False),
                finished_at=_wall()))
