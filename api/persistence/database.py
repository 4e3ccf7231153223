"""The database behind the service: one engine and session factory, one store per aggregate.

Plain synchronous SQLAlchemy 2 in short transactions; the API calls it from FastAPI's thread
pool, so the event loop never waits on the database. Rows leave the stores detached.
`Store` holds the engine and the four aggregate stores: `keys`, `policies`, `plans` (a plan
with its versions, solving attempts, inputs, field links, field events and access log) and
`comparisons`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from routeplan_api.persistence.engine import make_engine, migrate
from routeplan_api.persistence.tables import Readiness

type Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (aware UTC); tests inject their own."""
    return datetime.now(UTC)


class Database:
    """The engine, its sessions and the clock every aggregate store shares."""

    def __init__(self, url: str, *, clock: Clock = utc_now, run_migrations: bool = True) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Raise when the database cannot answer a trivial query."""
        with self.session() as s:
            s.execute(select(1))

    def probe_write(self) -> None:
        """Raise when the database cannot take a write: down, read-only or full.

        Rewrites the one row of `readiness` and commits, so the write reaches the journal
        (SQLite's WAL, PostgreSQL's) where a full disk or a read-only file shows; a write
        that is rolled back would not get that far.
        """
        with self.session.begin() as s:
            done = s.execute(update(Readiness).where(Readiness.id == 1)
                             .values(checked_at=self.clock()))
            if getattr(done, "rowcount", 1) == 0:
                s.merge(Readiness(id=1, checked_at=self.clock()))


class Part:
    """Base of an aggregate store: the shared sessions, engine and clock."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._session = db.session
        self.engine = db.engine

    def clock(self) -> datetime:
        return self._db.clock()
