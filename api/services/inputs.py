"""Turn a request's inputs (JSON records or uploaded CSV/XLSX files) into visits and teams.

The same readers as the CLI (`routeplan.io`), so the same validation and the same limits
(`routeplan.io.limits`, rows from the policy): every problem of both inputs is reported at
once, located by JSON pointer (`/visits/3/lat`) or `file:row:column`. Callers run `parse` and
`json_body` in the thread pool: they are CPU work in proportion to the input.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io import read_teams, read_visits, teams_from_records, visits_from_records
from routeplan.io.limits import MAX_JSON_DEPTH, json_too_deep, loads
from routeplan_api.persistence import Inputs

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
SUFFIXES = (".csv", ".xlsx", ".json")


def safe_filename(name: str | None, default: str) -> str:
    """A file name we can write and show in messages: no folders, no odd characters."""
    base = Path(name or "").name
    base = _SAFE.sub("_", base).strip("._")[:100]
    return base or default


def json_inputs(visits: Sequence[Any], teams: Sequence[Any]) -> Inputs:
    """Inputs from JSON records, kept exactly as received."""
    return Inputs("json", "visits", _dumps(visits), "teams", _dumps(teams))


def _dumps(value: Sequence[Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def json_body[M: BaseModel](raw: bytes, model: type[M]) -> M:
    """A JSON request body as `model`, or 422: nesting checked first, then each field.

    Problems are named by JSON pointer; too deep a body names the limit.
    """
    _check_depth(raw)
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _check_depth(raw: bytes) -> None:
    line = json_too_deep(raw)
    if line is not None:
        raise InvalidInput.many([InputProblem(
            "/", f"line {line}: JSON nested deeper than {MAX_JSON_DEPTH} levels (the limit)")])


class DepthCheckedRoute(APIRoute):
    """A route whose JSON body is checked for nesting before FastAPI parses it.

    FastAPI's own parsing would turn a body nested thousands deep into a bare 400; this
    answers 422 naming the limit. The body is read once (Starlette caches it).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            body = await request.body()
            if body:  # FastAPI reads a body without a content type as JSON too
                await run_in_threadpool(_check_depth, body)
            return await handler(request)

        return checked


def parse(inputs: Inputs, *, max_rows: int = MAX_ROWS_CEILING,
          max_teams: int = MAX_TEAMS_CEILING) -> tuple[list[Visit], list[Team]]:
    """Visits and teams, or InvalidInput naming every problem in both.

    `max_rows` and `max_teams` are the policy's `limits`; the defaults, the highest any
    policy may set, are for inputs that were accepted already (the job runner).
    """
    if inputs.kind == "json":
        return _both(
            lambda: visits_from_records(loads(inputs.visits_data, "/visits"), "visits",
                                        max_rows=max_rows),
            lambda: teams_from_records(loads(inputs.teams_data, "/teams"), "teams",
                                       max_rows=max_teams))
    with tempfile.TemporaryDirectory(prefix="routeplan-upload-") as tmp:
        folder = Path(tmp)
        (folder / "visits").mkdir()
        (folder / "teams").mkdir()
        vpath = folder / "visits" / inputs.visits_name
        tpath = folder / "teams" / inputs.teams_name
        vpath.write_bytes(inputs.visits_data)
        tpath.write_bytes(inputs.teams_data)
        try:
            return _both(lambda: read_visits(vpath, max_rows=max_rows),
                         lambda: read_teams(tpath, max_rows=max_teams))
        except InvalidInput as exc:  # never show our temporary folder
            raise InvalidInput.many(
                InputProblem(p.location.replace(str(folder) + "/", ""),
                             p.message.replace(str(folder) + "/", ""))
                for p in exc.problems) from None


def _both[V, T](visits: Callable[[], V], teams: Callable[[], T]) -> tuple[V, T]:
    problems: list[InputProblem] = []
    v: V | None = None
    t: T | None = None
    try:
        v = visits()
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        t = teams()
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems or v is None or t is None:
        raise InvalidInput.many(problems)
    return v, t


async def form_request[M: BaseModel](form: Any, model: type[M], keys: Sequence[str]
                                     ) -> tuple[M, Inputs]:
    """A request from a multipart form, every problem located at once.

    The files `visits` and `teams`, the text fields `keys`, a policy name and its JSON
    `overrides`, validated as `model`.
    """
    problems: list[InputProblem] = []
    files: dict[str, tuple[str, bytes]] = {}
    for field in ("visits", "teams"):
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            problems.append(InputProblem(field, "attach the file as a multipart file field"))
            continue
        name = safe_filename(upload.filename, f"{field}.csv")
        if not name.lower().endswith(SUFFIXES):
            problems.append(InputProblem(field, f"{name}: give a .csv, .xlsx or .json file"))
        files[field] = (name, await upload.read())
    fields: dict[str, Any] = {"visits": [], "teams": []}
    for key in keys:
        value = form.get(key)
        if isinstance(value, str) and value != "":
            fields[key] = value
    overrides: Any = {}
    text = form.get("overrides")
    if isinstance(text, str) and text.strip():
        try:
            overrides = loads(text, "overrides")
        except InvalidInput as exc:
            problems.extend(exc.problems)
        if not isinstance(overrides, dict):
            problems.append(InputProblem("overrides", "not a JSON object"))
            overrides = {}
    name_field = form.get("policy")
    fields["policy"] = {"name": name_field if isinstance(name_field, str) and name_field
                        else "default", "overrides": overrides}
    await form.close()
    try:
        body = model.model_validate(fields)
    except ValidationError as exc:
        problems.extend(InputProblem(".".join(str(x) for x in e["loc"]), e["msg"])
                        for e in exc.errors(include_url=False))
        raise InvalidInput.many(problems) from None
    if problems:
        raise InvalidInput.many(problems)
    (vname, vdata), (tname, tdata) = files["visits"], files["teams"]
    return body, Inputs("files", vname, vdata, tname, tdata)
