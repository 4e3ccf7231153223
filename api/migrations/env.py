"""Alembic environment: migrations run on the connection that routeplan_api.db.migrate gives."""

from __future__ import annotations

from alembic import context

from routeplan_api.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only migrate() drives Alembic
    raise RuntimeError("run migrations through routeplan_api.db.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
