"""Named policy profiles, versioned: a save adds a version, earlier ones stay for history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from routeplan_api.persistence.database import Part
from routeplan_api.persistence.tables import PolicyVersion


class PolicyStore(Part):
    """Policy profiles by name and version."""

    def get(self, name: str, version: int | None = None) -> PolicyVersion | None:
        """The newest (or the given) version of a named policy profile."""
        with self._session() as s:
            q = select(PolicyVersion).where(PolicyVersion.name == name)
            if version is not None:
                q = q.where(PolicyVersion.version == version)
            return s.scalars(q.order_by(PolicyVersion.version.desc()).limit(1)).first()

    def history(self, name: str) -> list[PolicyVersion]:
        with self._session() as s:
            return list(s.scalars(select(PolicyVersion).where(PolicyVersion.name == name)
                                  .order_by(PolicyVersion.version)))

    def put(self, name: str, body: dict[str, Any], *, by: str) -> PolicyVersion:
        """Save a new version of a profile; earlier versions stay."""
        with self._session.begin() as s:
            latest = s.scalar(select(func.max(PolicyVersion.version))
                              .where(PolicyVersion.name == name)) or 0
            row = PolicyVersion(name=name, version=latest + 1,
                                body=json.dumps(body, ensure_ascii=False, sort_keys=True),
                                created_at=self.clock(), created_by=by)
            s.add(row)
        return row

    def latest(self) -> list[PolicyVersion]:
        """The newest version of every named profile, by name."""
        with self._session() as s:
            newest = (select(PolicyVersion.name, func.max(PolicyVersion.version).label("v"))
                      .group_by(PolicyVersion.name).subquery())
            return list(s.scalars(
                select(PolicyVersion).join(newest, (PolicyVersion.name == newest.c.name)
                                           & (PolicyVersion.version == newest.c.v))
                .order_by(PolicyVersion.name)))
