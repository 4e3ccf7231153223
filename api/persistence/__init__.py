"""Persistence: tables, migrations and one store per aggregate over one database."""

from __future__ import annotations

from routeplan_api.persistence.comparisons import ComparisonStore
from routeplan_api.persistence.database import Clock, Database, utc_now
from routeplan_api.persistence.keys import KeyInfo, KeyStore
from routeplan_api.persistence.plans import Busy, Inputs, Job, PlanRead, PlanState, PlanStore
from routeplan_api.persistence.policies import PolicyStore
from routeplan_api.persistence.schedules import ScheduleStore
from routeplan_api.persistence.sessions import SessionInfo, SessionStore
from routeplan_api.persistence.tables import JobStatus

__all__ = [
    "Busy",
    "Clock",
    "ComparisonStore",
    "Inputs",
    "Job",
    "JobStatus",
    "KeyInfo",
    "KeyStore",
    "PlanRead",
    "PlanState",
    "PlanStore",
    "PolicyStore",
    "ScheduleStore",
    "SessionInfo",
    "SessionStore",
    "Store",
    "utc_now",
]


class Store(Database):
    """The database and its aggregate stores, opened (and migrated) once per process."""

    def __init__(self, url: str, *, clock: Clock = utc_now, run_migrations: bool = True) -> None:
        super().__init__(url, clock=clock, run_migrations=run_migrations)
        self.keys = KeyStore(self)
        self.policies = PolicyStore(self)
        self.plans = PlanStore(self)
        self.comparisons = ComparisonStore(self)
        self.sessions = SessionStore(self)
        self.schedules = ScheduleStore(self)
