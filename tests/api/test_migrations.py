"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import routeplan_api.persistence.tables  # noqa: F401  (registers its tables on Base)
from routeplan_api.persistence.engine import make_engine, migrate
from routeplan_api.persistence.tables import Base


def test_migrated_database_matches_the_models(tmp_path: Path) -> None:
    """A column added to a model without a migration (or the reverse) fails here."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    # SQLite cannot tell some server-side details apart; tables and columns it can
    significant = [d for d in diff if isinstance(d, tuple)
                   and d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert significant == []
