"""The plan aggregate: a plan, its versions, attempts, inputs, links, field events, access log.

Job times are wall-clock (`utc_now`), never the injected clock: heartbeats come from other
processes, and the reaper compares them with its own wall clock.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.outcome import ReportedPosition
from routeplan.domain.policy import DEFAULT_POLICY, MIN_RETENTION_DAYS
from routeplan_api.persistence.database import Part, utc_now
from routeplan_api.persistence.tables import (
    AccessEntry,
    FieldEvent,
    FieldEventId,
    FieldLink,
    JobStatus,
    PlanInput,
    PlanRow,
    PlanVersion,
    UTCDateTime,
    VersionControl,
)
from routeplan_api.security import default_link_expiry


class Busy(Exception):
    """A version of the plan is still queued or solving: a re-plan would race it."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """A version's inputs as received: JSON records, or uploaded file names and bytes."""

    kind: str  # "json" | "files"
    visits_name: str
    visits_data: bytes
    teams_name: str
    teams_data: bytes


@dataclass(frozen=True, slots=True)
class PlanState:
    """A plan with its current version, as the API shows it."""

    plan: PlanRow
    version: PlanVersion


@dataclass(frozen=True, slots=True)
class PlanRead:
    """One read of a plan version, taken in one short transaction that also logs the access.

    `found` is False when the plan exists but not the version asked for. `last_event` (the
    newest field event's id) and `versions` change whenever what a reader sees of a finished
    version changes, so together with the live `links` they key cached responses.
    """

    plan_id: str
    day: date
    version: int
    found: bool
    status: str = ""
    progress: str | None = None
    error: str | None = None
    policy_name: str = ""
    policy_version: int = 0
    versions: tuple[int, ...] = ()
    last_event: int = 0
    links: tuple[tuple[str, str], ...] = ()  # (team id, its newest live link id)


@dataclass(frozen=True, slots=True)
class Job:
    """What a worker needs to solve one attempt of one version."""

    plan_id: str
    version: int
    attempt: int
    day: date
    policy_json: str
    time_limit_s: float
    seed: int
    inputs: Inputs


# The statements of `PlanStore.read`, built once: composing them per request cost more
# than running them (~0.3 ms each on SQLite).
_READ_HEAD = select(PlanRow.day, PlanRow.current_version, PlanRow.archived_at).where(
    PlanRow.id == bindparam("plan_id"))
_READ_VERSION = select(PlanVersion.status, PlanVersion.progress, PlanVersion.error,
                       PlanVersion.policy_name, PlanVersion.policy_version).where(
    PlanVersion.plan_id == bindparam("plan_id"), PlanVersion.version == bindparam("version"))
_READ_VERSIONS = select(PlanVersion.version).where(
    PlanVersion.plan_id == bindparam("plan_id")).order_by(PlanVersion.version)
_READ_LAST_EVENT = select(func.max(FieldEvent.id)).where(
    FieldEvent.plan_id == bindparam("plan_id"))
_READ_LINKS = select(FieldLink.id, FieldLink.team_id).where(
    FieldLink.plan_id == bindparam("plan_id"), FieldLink.revoked_at.is_(None),
    FieldLink.expires_at > bindparam("now", type_=UTCDateTime())).order_by(FieldLink.issued_at)
_LOG_ACCESS = insert(AccessEntry)


def _delete_plans(s: Session, ids: Sequence[str]) -> None:
    """Delete plans and everything kept about them, in the caller's transaction."""
    if not ids:
        return
    for table in (PlanVersion, PlanInput, FieldLink, AccessEntry, FieldEvent,
                  FieldEventId, VersionControl):
        s.execute(delete(table).where(table.plan_id.in_(ids)))
    s.execute(delete(PlanRow).where(PlanRow.id.in_(ids)))


def _retention_days(policy_json: str) -> int:
    """A stored policy's `audit.retention_days`; the default for one that does not say."""
    try:
        value = json.loads(policy_json).get("audit", {}).get("retention_days")
    except (ValueError, AttributeError):
        value = None
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, MIN_RETENTION_DAYS)
    return DEFAULT_POLICY.audit_retention_days


class PlanStore(Part):
    """Plans and everything kept about them."""

    def create(self, *, day: date, inputs: Inputs, policy_name: str, policy_version: int,
                    policy: dict[str, Any], time_limit_s: float, seed: int,
                    by: str) -> PlanState:
        """A new plan with version 1, queued."""
        now = self.clock()
        plan = PlanRow(id=secrets.token_urlsafe(12), day=day, created_at=now, created_by=by,
                       current_version=1)
        version = PlanVersion(plan_id=plan.id, version=1, status=JobStatus.QUEUED,
                              policy_name=policy_name, policy_version=policy_version,
                              policy_json=json.dumps(policy, ensure_ascii=False),
                              time_limit_s=time_limit_s, seed=seed, attempt=1, created_at=now)
        with self._session.begin() as s:
            s.add(plan)
            s.flush()
            s.add(version)
            s.add(PlanInput(plan_id=plan.id, version=1, kind=inputs.kind,
                            visits_name=inputs.visits_name, visits_data=inputs.visits_data,
                            teams_name=inputs.teams_name, teams_data=inputs.teams_data))
        return PlanState(plan, version)

    def get(self, plan_id: str, *, include_archived: bool = False) -> PlanState | None:
        with self._session() as s:
            plan = s.get(PlanRow, plan_id)
            if plan is None or (plan.archived_at is not None and not include_archived):
                return None
            version = s.get(PlanVersion, (plan_id, plan.current_version))
            return None if version is None else PlanState(plan, version)

    def list_page(self, *, day: date | None, limit: int, offset: int) -> list[PlanState]:
        with self._session() as s:
            q = (select(PlanRow, PlanVersion)
                 .join(PlanVersion, (PlanVersion.plan_id == PlanRow.id)
                       & (PlanVersion.version == PlanRow.current_version))
                 .where(PlanRow.archived_at.is_(None)))
            if day is not None:
                q = q.where(PlanRow.day == day)
            q = q.order_by(PlanRow.created_at.desc(), PlanRow.id).limit(limit).offset(offset)
            return [PlanState(p, v) for p, v in s.execute(q)]

    def archive(self, plan_id: str) -> bool:
        with self._session.begin() as s:
            result = s.execute(update(PlanRow).where(PlanRow.id == plan_id,
                                                     PlanRow.archived_at.is_(None))
                               .values(archived_at=self.clock()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def purge_archived(self, retention: timedelta) -> int:
        """Delete plans archived longer than `retention` ago, with everything kept about them."""
        cutoff = self.clock() - retention
        with self._session.begin() as s:
            ids = list(s.scalars(select(PlanRow.id).where(PlanRow.archived_at < cutoff)))
            _delete_plans(s, ids)
            return len(ids)

    def purge_expired(self, *, dry_run: bool = False) -> list[tuple[str, date]]:
        """Delete plans kept past their policy's `audit.retention_days`; (id, day) of each.

        A plan is kept `retention_days` after its day (Asia/Shanghai, by this store's clock),
        the longest of its versions' policies; then it goes with everything kept about it:
        inputs, versions, links, field reports with their positions, access log (COMPLIANCE
        rules 9, 10). `dry_run` only says which plans would go.
        """
        today = self.clock().astimezone(SHANGHAI).date()
        earliest = today - timedelta(days=MIN_RETENTION_DAYS)
        with self._session.begin() as s:
            kept: dict[str, tuple[date, int]] = {}
            for plan_id, day, policy_json in s.execute(
                    select(PlanRow.id, PlanRow.day, PlanVersion.policy_json)
                    .join(PlanVersion, PlanVersion.plan_id == PlanRow.id)
                    .where(PlanRow.day < earliest)):
                days = max(_retention_days(policy_json), kept.get(plan_id, (day, 0))[1])
                kept[plan_id] = (day, days)
            gone = sorted((pid, day) for pid, (day, days) in kept.items()
                          if day + timedelta(days=days) < today)
            if not dry_run:
                _delete_plans(s, [pid for pid, _ in gone])
            return gone

    def done_versions_of_day(self, day: date) -> list[tuple[PlanRow, list[PlanVersion]]]:
        """Every live plan of `day` with its finished versions, newest first (the audit's)."""
        with self._session() as s:
            plans = list(s.scalars(select(PlanRow).where(
                PlanRow.day == day, PlanRow.archived_at.is_(None)).order_by(PlanRow.id)))
            if not plans:
                return []
            versions: dict[str, list[PlanVersion]] = {p.id: [] for p in plans}
            for v in s.scalars(select(PlanVersion).where(
                    PlanVersion.plan_id.in_(list(versions)),
                    PlanVersion.status == JobStatus.DONE)
                    .order_by(PlanVersion.plan_id, PlanVersion.version.desc())):
                versions[v.plan_id].append(v)
            return [(p, versions[p.id]) for p in plans if versions[p.id]]

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
                PlanVersion.plan_id == plan_id, PlanVersion.status == JobStatus.DONE)
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

    def control(self, plan_id: str, version: int) -> VersionControl | None:
        with self._session() as s:
            return s.get(VersionControl, (plan_id, version))

    def read(self, plan_id: str, version: int | None,
                  access: tuple[str, str]) -> PlanRead | None:
        """A version (default: the current one) as readers see it, the read logged with it.

        None for an unknown or archived plan. The access-log entry is written in the same
        transaction.

        Column reads in one transaction (no ORM objects, no plan JSON): the hot path of
        `GET /v1/plans/{id}` and of a team's route, whose bodies the API caches.
        """
        now = self.clock()
        with self.engine.begin() as conn:
            head = conn.execute(_READ_HEAD, {"plan_id": plan_id}).first()
            if head is None or head.archived_at is not None:
                return None
            number = head.current_version if version is None else version
            row = conn.execute(_READ_VERSION, {"plan_id": plan_id, "version": number}).first()
            if row is None:
                return PlanRead(plan_id, head.day, number, found=False)
            versions = tuple(conn.scalars(_READ_VERSIONS, {"plan_id": plan_id}))
            last_event = conn.scalar(_READ_LAST_EVENT, {"plan_id": plan_id}) or 0
            links = {team: link for link, team in conn.execute(
                _READ_LINKS, {"plan_id": plan_id, "now": now})}
            conn.execute(_LOG_ACCESS, {"plan_id": plan_id, "actor": access[0],
                                       "what": access[1], "at": now})
        return PlanRead(plan_id, head.day, number, True, row.status, row.progress, row.error,
                        row.policy_name, row.policy_version, versions, last_event,
                        tuple(sorted(links.items())))

    def plan_json(self, plan_id: str, version: int) -> str | None:
        """A finished version's plan contract JSON as stored."""
        with self._session() as s:
            return s.scalar(select(PlanVersion.plan_json).where(
                PlanVersion.plan_id == plan_id, PlanVersion.version == version))

    def request_stop(self, plan_id: str, version: int) -> bool:
        """Ask the worker solving this version to stop and keep its best plan so far."""
        with self._session.begin() as s:
            v = s.get(PlanVersion, (plan_id, version))
            if v is None or v.status not in (JobStatus.QUEUED, JobStatus.SOLVING):
                return False
            c = s.get(VersionControl, (plan_id, version))
            if c is None:
                s.add(VersionControl(plan_id=plan_id, version=version,
                                     stop_requested_at=utc_now()))
            elif c.stop_requested_at is None:
                c.stop_requested_at = utc_now()
            return True

    def stop_requested(self, plan_id: str, version: int) -> bool:
        with self._session() as s:
            at = s.scalar(select(VersionControl.stop_requested_at).where(
                VersionControl.plan_id == plan_id, VersionControl.version == version))
            return at is not None

    def create_replan(self, plan_id: str, request_json: str, *, time_limit_s: float,
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
                    PlanVersion.status.in_((JobStatus.QUEUED, JobStatus.SOLVING))))
                if busy:
                    raise Busy(plan_id)
                base = s.scalars(select(PlanVersion).where(
                    PlanVersion.plan_id == plan_id, PlanVersion.status == JobStatus.DONE)
                    .order_by(PlanVersion.version.desc()).limit(1)).first()
                if base is None:
                    raise LookupError(plan_id)
                top = s.scalar(select(func.max(PlanVersion.version))
                               .where(PlanVersion.plan_id == plan_id)) or 0
                n = top + 1
                inputs = s.get_one(PlanInput, (plan_id, base.version))
                v = PlanVersion(plan_id=plan_id, version=n, status=JobStatus.QUEUED,
                                policy_name=base.policy_name, policy_version=base.policy_version,
                                policy_json=base.policy_json, time_limit_s=time_limit_s,
                                seed=seed, attempt=1, created_at=self.clock())
                s.add(v)
                s.add(PlanInput(plan_id=plan_id, version=n, kind=inputs.kind,
                                visits_name=inputs.visits_name, visits_data=inputs.visits_data,
                                teams_name=inputs.teams_name, teams_data=inputs.teams_data))
                s.add(VersionControl(plan_id=plan_id, version=n, base_version=base.version,
                                     replan_json=request_json))
                plan.current_version = n
        except IntegrityError:  # another re-plan took the number first
            raise Busy(plan_id) from None
        return v

    def set_changes(self, plan_id: str, version: int, changes: dict[str, Any]) -> None:
        with self._session.begin() as s:
            s.execute(update(VersionControl).where(
                VersionControl.plan_id == plan_id, VersionControl.version == version)
                .values(changes_json=json.dumps(changes, ensure_ascii=False)))

    # -- jobs

    def claim(self, plan_id: str, version: int, attempt: int, worker: str) -> Job | None:
        """Mark an attempt as solving by `worker`; None when it is stale or taken already."""
        now = utc_now()
        with self._session.begin() as s:
            result = s.execute(
                update(PlanVersion)
                .where(PlanVersion.plan_id == plan_id, PlanVersion.version == version,
                       PlanVersion.attempt == attempt, PlanVersion.status == JobStatus.QUEUED)
                .values(status=JobStatus.SOLVING, worker=worker, heartbeat_at=now, started_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            v = s.get_one(PlanVersion, (plan_id, version))
            p = s.get_one(PlanRow, plan_id)
            i = s.get_one(PlanInput, (plan_id, version))
            return Job(plan_id, version, attempt, p.day, v.policy_json, v.time_limit_s, v.seed,
                       Inputs(i.kind, i.visits_name, i.visits_data, i.teams_name, i.teams_data))

    def _running(self, plan_id: str, version: int, attempt: int) -> Any:
        return (update(PlanVersion)
                .where(PlanVersion.plan_id == plan_id, PlanVersion.version == version,
                       PlanVersion.attempt == attempt, PlanVersion.status == JobStatus.SOLVING))

    def heartbeat(self, plan_id: str, version: int, attempt: int,
                  progress: dict[str, Any] | None = None) -> bool:
        """Say the attempt is alive (and how far it got); False when it is no longer ours."""
        values: dict[str, Any] = {"heartbeat_at": utc_now()}
        if progress is not None:
            values["progress"] = json.dumps(progress)
        with self._session.begin() as s:
            result = s.execute(self._running(plan_id, version, attempt).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish(self, plan_id: str, version: int, attempt: int, plan: dict[str, Any],
               progress: dict[str, Any] | None) -> bool:
        with self._session.begin() as s:
            values: dict[str, Any] = {
                "status": JobStatus.DONE, "plan_json": json.dumps(plan, ensure_ascii=False),
                "finished_at": utc_now(), "error": None}
            if progress is not None:
                values["progress"] = json.dumps(progress)
            result = s.execute(self._running(plan_id, version, attempt).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def fail(self, plan_id: str, version: int, attempt: int, error: dict[str, Any]) -> bool:
        with self._session.begin() as s:
            result = s.execute(
                update(PlanVersion)
                .where(PlanVersion.plan_id == plan_id, PlanVersion.version == version,
                       PlanVersion.attempt == attempt,
                       PlanVersion.status.in_((JobStatus.QUEUED, JobStatus.SOLVING)))
                .values(status=JobStatus.FAILED, error=json.dumps(error, ensure_ascii=False),
                        finished_at=utc_now()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def reap(self, *, stale_after: timedelta, max_attempts: int) -> list[tuple[str, int, int]]:
        """Jobs whose worker went silent: re-queue them (returned) or fail them with a reason."""
        cutoff = utc_now() - stale_after
        requeue: list[tuple[str, int, int]] = []
        with self._session.begin() as s:
            stale = list(s.scalars(select(PlanVersion).where(
                PlanVersion.status == JobStatus.SOLVING, PlanVersion.heartbeat_at < cutoff)))
            for v in stale:
                if v.attempt < max_attempts:
                    v.attempt += 1
                    v.status, v.worker = JobStatus.QUEUED, None
                    v.heartbeat_at, v.progress = None, None
                    requeue.append((v.plan_id, v.version, v.attempt))
                else:
                    v.status, v.finished_at = JobStatus.FAILED, utc_now()
                    v.error = json.dumps({
                        "error": "worker_lost",
                        "message": f"the worker stopped answering during attempt {v.attempt} "
                                   f"of {max_attempts}; submit the plan again"})
        return requeue

    def queued(self) -> list[tuple[str, int, int]]:
        """Every queued attempt (to hand again to a fresh local pool after a restart)."""
        with self._session() as s:
            rows = s.execute(select(PlanVersion.plan_id, PlanVersion.version, PlanVersion.attempt)
                             .where(PlanVersion.status == JobStatus.QUEUED))
            return [(p, v, a) for p, v, a in rows]

    # -- links

    def links_for(self, plan_id: str, team_ids: Sequence[str], day: date, *,
                  access: tuple[str, str] | None = None) -> dict[str, FieldLink]:
        """Each team's live link, issuing new ones where there is none (one transaction).

        `access` = (actor, what) is written to the access log in the same transaction.
        """
        now = self.clock()
        with self._session.begin() as s:
            if access is not None:
                s.add(AccessEntry(plan_id=plan_id, actor=access[0], what=access[1], at=now))
            live = s.scalars(select(FieldLink).where(
                FieldLink.plan_id == plan_id, FieldLink.revoked_at.is_(None),
                FieldLink.expires_at > now).order_by(FieldLink.issued_at))
            out = {row.team_id: row for row in live if row.team_id in team_ids}
            for team_id in team_ids:
                if team_id not in out:
                    row = FieldLink(id=secrets.token_urlsafe(9), plan_id=plan_id,
                                    team_id=team_id, issued_at=now,
                                    expires_at=default_link_expiry(day, now))
                    s.add(row)
                    out[team_id] = row
            return out

    def get_link(self, link_id: str) -> FieldLink | None:
        with self._session() as s:
            return s.get(FieldLink, link_id)

    def revoke_links(self, plan_id: str, team_id: str) -> int:
        with self._session.begin() as s:
            result = s.execute(update(FieldLink).where(
                FieldLink.plan_id == plan_id, FieldLink.team_id == team_id,
                FieldLink.revoked_at.is_(None)).values(revoked_at=self.clock()))
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- access

    def log_access(self, plan_id: str, actor: str, what: str) -> None:
        with self._session.begin() as s:
            s.add(AccessEntry(plan_id=plan_id, actor=actor, what=what, at=self.clock()))

    def access_log(self, plan_id: str) -> list[AccessEntry]:
        with self._session() as s:
            return list(s.scalars(select(AccessEntry).where(AccessEntry.plan_id == plan_id)
                                  .order_by(AccessEntry.id)))

    # -- events

    def add_event(self, *, plan_id: str, version: int, team_id: str, visit_id: str,
                       status: str, at: datetime, note: str, link_id: str,
                       event_id: str | None, position: ReportedPosition | None = None,
                       members_present: Sequence[str] | None = None) -> FieldEvent | None:
        """Store a field event; None when its `event_id` is stored already (a phone's retry).

        `position` (WGS-84) and `members_present` are the audit's evidence; `received_at` is
        this store's clock, never the phone's.
        """
        row = FieldEvent(plan_id=plan_id, version=version, team_id=team_id, visit_id=visit_id,
                         status=status, at=at, note=note, link_id=link_id,
                         received_at=self.clock(),
                         position_lon=position.lon if position else None,
                         position_lat=position.lat if position else None,
                         accuracy_m=position.accuracy_m if position else None,
                         members_present=None if members_present is None else json.dumps(
                             list(members_present), ensure_ascii=False))
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

    def events(self, plan_id: str) -> Sequence[FieldEvent]:
        with self._session() as s:
            return list(s.scalars(select(FieldEvent).where(FieldEvent.plan_id == plan_id)
                                  .order_by(FieldEvent.id)))
