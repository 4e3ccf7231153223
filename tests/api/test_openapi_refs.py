"""/openapi.json is self-contained: every `$ref` names a schema the document defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from routeplan_api.config import Settings
from routeplan_api.main import create_app


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for k, v in node.items() if k != "$ref" for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: not a reference into the document"
    node: Any = doc
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref}: {part!r} is not defined"
        node = node[part]
    return node


def test_every_ref_in_the_openapi_document_resolves(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'o.db'}",
                        queue_url="", link_secret="s")
    with TestClient(create_app(settings)) as client:
        doc = client.get("/openapi.json").json()
    refs = _refs(doc)
    assert "#/components/schemas/PlanCreate" in refs  # the JSON body of POST /v1/plans
    for ref in refs:
        _resolve(doc, ref)
    create = _resolve(doc, "#/components/schemas/PlanCreate")
    assert {"date", "visits", "teams"} <= set(create["required"])
    assert create["properties"]["policy"] == {"$ref": "#/components/schemas/PolicyRef"}
