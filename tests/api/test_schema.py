"""Schemathesis against the OpenAPI schema: no 5xx and no response that breaks the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.jobs.runner import JobRef
from routeplan_api.main import create_app
from routeplan_api.security import Role


class _NoQueue:
    """Schemathesis must not start solves: plans stay queued."""

    name = "none"

    def submit(self, ref: JobRef) -> None:
        return None

    def check(self) -> None:
        return None

    def close(self) -> None:
        return None


_DIR = Path(__file__).parent / ".schemathesis"


def _app() -> Any:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="routeplan-schemathesis-"))
    app = create_app(Settings(runtime=RuntimeConfig(data_dir=folder), link_secret="x",
                              rate_limit_burst=100000, rate_limit_per_minute=1000000),
                     queue=_NoQueue())
    _, key = app.state.services.store.keys.create(Role.ADMIN)
    app.state.test_key = key
    return app


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:
    """Every operation, fuzzed, answers within its documented statuses and shapes."""
    case.call_and_validate(headers={"Authorization": f"Bearer {APP.state.test_key}"},
                           checks=[response_schema_conformance, status_code_conformance],
                           excluded_checks=None)
