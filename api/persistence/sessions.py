"""Console sessions: a random cookie (its SHA-256 digest stored), a CSRF token, expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from routeplan_api.persistence.database import Part
from routeplan_api.persistence.tables import ConsoleSession
from routeplan_api.security import digest


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A live session: whose key, which role, the token every form must carry."""

    key_id: str
    role: str
    csrf: str


class SessionStore(Part):
    """Sessions of the console; the cookie itself is never stored."""

    def create(self, key_id: str, role: str, lifetime: timedelta) -> tuple[str, SessionInfo]:
        """A new session: (the cookie value, shown once, and what it stands for)."""
        token = secrets.token_urlsafe(32)
        info = SessionInfo(key_id, role, secrets.token_urlsafe(32))
        now = self.clock()
        with self._session.begin() as s:
            s.add(ConsoleSession(id=digest(token), key_id=key_id, role=role, csrf=info.csrf,
                                 created_at=now, expires_at=now + lifetime))
        return token, info

    def get(self, token: str) -> SessionInfo | None:
        """The live session behind a cookie, or None (unknown, expired, signed out)."""
        with self._session() as s:
            row = s.get(ConsoleSession, digest(token))
        if row is None or row.revoked_at is not None or row.expires_at <= self.clock():
            return None
        return SessionInfo(row.key_id, row.role, row.csrf)

    def revoke(self, token: str) -> bool:
        """Sign out: the cookie stops working at once, wherever it was copied to."""
        with self._session.begin() as s:
            result = s.execute(update(ConsoleSession)
                               .where(ConsoleSession.id == digest(token),
                                      ConsoleSession.revoked_at.is_(None))
                               .values(revoked_at=self.clock()))
        return bool(result.rowcount)  # type: ignore[attr-defined]
