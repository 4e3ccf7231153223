"""API keys: digests, roles, expiry and revocation, with a short in-memory cache of known keys."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from time import monotonic

from sqlalchemy import select, update

from routeplan_api.persistence.database import Database, Part
from routeplan_api.persistence.tables import ApiKey
from routeplan_api.security import Role, new_key


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a request needs of its key: id, role, expiry and revocation."""

    id: str
    role: str
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyStore(Part):
    """Bearer keys (only their SHA-256 digests are kept)."""

    #: Seconds a key's row is reused between requests; a revocation made by another process
    #: (the `routeplan keys revoke` command) takes effect within this time, one made through
    #: this store at once. Expiry is checked on every request.
    KEY_CACHE_S = 5.0
    _KEY_CACHE_MAX = 4096

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._keys: dict[str, tuple[float, KeyInfo]] = {}
        self._keys_lock = threading.Lock()

    def create(self, role: Role, *, label: str = "",
                   expires_at: datetime | None = None) -> tuple[ApiKey, str]:
        """Store a new key's digest; returns the row and the key itself (shown once)."""
        key_id, key, key_digest = new_key()
        row = ApiKey(id=key_id, digest=key_digest, role=role.label, label=label,
                     created_at=self.clock(), expires_at=expires_at)
        with self._session.begin() as s:
            s.add(row)
        return row, key

    def by_digest(self, key_digest: str) -> ApiKey | None:
        with self._session() as s:
            return s.scalars(select(ApiKey).where(ApiKey.digest == key_digest)).first()

    def by_id(self, key_id: str) -> ApiKey | None:
        with self._session() as s:
            return s.get(ApiKey, key_id)

    def peek(self, key_digest: str) -> KeyInfo | None:
        """The key behind a digest if it was read less than KEY_CACHE_S ago (no database)."""
        hit = self._keys.get(key_digest)
        if hit is None or monotonic() - hit[0] > self.KEY_CACHE_S:
            return None
        return hit[1]

    def load(self, key_digest: str) -> KeyInfo | None:
        """The key behind a digest, from the database; known keys are remembered a while.

        Unknown digests are not remembered, so guessing cannot fill the memory.
        """
        row = self.by_digest(key_digest)
        if row is None:
            return None
        info = KeyInfo(row.id, row.role, row.expires_at, row.revoked_at)
        with self._keys_lock:
            if len(self._keys) >= self._KEY_CACHE_MAX:
                self._keys.clear()
            self._keys[key_digest] = (monotonic(), info)
        return info

    def list_all(self) -> list[ApiKey]:
        with self._session() as s:
            return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at)))

    def revoke(self, key_id: str) -> bool:
        with self._session.begin() as s:
            result = s.execute(update(ApiKey).where(ApiKey.id == key_id,
                                                    ApiKey.revoked_at.is_(None))
                               .values(revoked_at=self.clock()))
        with self._keys_lock:
            self._keys.clear()
        return bool(result.rowcount)  # type: ignore[attr-defined]
