"""Alembic environment: migrations run on the connection `persistence.engine.migrate` gives."""

from __future__ import annotations

from alembic import context

from routeplan_api.persistence.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only migrate() drives Alembic
    raise RuntimeError("run migrations through routeplan_api.persistence.engine.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
