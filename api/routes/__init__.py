"""The API's routers, one module per resource."""

from __future__ import annotations

from typing import Any

from routeplan_api.schemas.plans import ErrorBody

#: Error responses every authenticated route documents.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not parseable (not JSON)"},
    401: {"model": ErrorBody, "description": "Missing, unknown, revoked or expired key"},
    403: {"model": ErrorBody, "description": "The key's role does not allow this"},
    404: {"model": ErrorBody, "description": "Unknown id"},
    422: {"model": ErrorBody, "description": "Invalid input, each problem located"},
    413: {"model": ErrorBody, "description": "The body is larger than the service accepts"},
    429: {"model": ErrorBody, "description": "Rate limit of the key exceeded"},
}
