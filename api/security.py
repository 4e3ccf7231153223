"""Bearer keys (random, stored as SHA-256 digests), roles, and signed field-link tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum

from itsdangerous import BadSignature, URLSafeSerializer

from routeplan.domain.clock import SHANGHAI

KEY_PREFIX = "rpk"
#: How long a field link lives at least after it is issued.
LINK_MIN_LIFETIME = timedelta(hours=24)


class Role(IntEnum):
    """Roles: dispatcher < analyst < admin in increasing power, each including the one before.

    `auditor` stands outside that ladder, below it: it reads the compliance audit (with the
    positions behind it) and nothing else, so every `require(...)` of the ladder refuses it,
    and only the audit's routes admit it, beside admin (`require_any`).
    """

    AUDITOR = 0
    DISPATCHER = 1
    ANALYST = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"role: {text!r} is not one of {', '.join(ROLE_NAMES)}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


#: Every role's name, as `routeplan keys create --role` takes it.
ROLE_NAMES: tuple[str, ...] = tuple(r.name.lower() for r in Role)


def new_key() -> tuple[str, str, str]:
    """A fresh key: (key id, the full secret key to hand out once, its SHA-256 digest).

    The key is `rpk_<id>_<43 url-safe chars>`: 256 random bits; the id part is public and
    names the key in lists, logs and rate-limit configuration.
    """
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, key, digest(key)


def digest(key: str) -> str:
    """SHA-256 hex digest of a key (keys are long and random, so no slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def end_of_day(day: date) -> datetime:
    """Local midnight at the end of `day` (Asia/Shanghai), as an aware UTC moment."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC) + timedelta(
        days=1)


def default_link_expiry(day: date, issued_at: datetime) -> datetime:
    """The later of the end of the plan's day and 24 h after issue."""
    return max(end_of_day(day), issued_at + LINK_MIN_LIFETIME)


@dataclass(frozen=True, slots=True)
class LinkClaims:
    """What a field-link token names: the link record, its plan and its team."""

    link_id: str
    plan_id: str
    team_id: str


class LinkSigner:
    """Signs and checks field-link tokens with HMAC (itsdangerous); expiry lives in the store."""

    def __init__(self, secret: bytes) -> None:
        self._serializer = URLSafeSerializer(secret, salt="routeplan.field-link.v1")

    def sign(self, claims: LinkClaims) -> str:
        token = self._serializer.dumps([claims.link_id, claims.plan_id, claims.team_id])
        assert isinstance(token, str)
        return token

    def verify(self, token: str) -> LinkClaims | None:
        """The claims of a genuine token, or None for anything forged, altered or malformed."""
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        if (not isinstance(data, list) or len(data) != 3
                or not all(isinstance(x, str) for x in data)):
            return None
        return LinkClaims(data[0], data[1], data[2])
