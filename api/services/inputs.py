"""Turn a request's inputs (JSON records or uploaded CSV/XLSX files) into visits and teams.

The same readers as the CLI (`routeplan.io`), so the same validation: every problem of both
inputs is reported at once, located by JSON pointer (`/visits/3/lat`) or `file:row:column`.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io import read_teams, read_visits, teams_from_records, visits_from_records
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


def parse(inputs: Inputs) -> tuple[list[Visit], list[Team]]:
    """Visits and teams, or InvalidInput naming every problem in both."""
    if inputs.kind == "json":
        return _both(lambda: visits_from_records(json.loads(inputs.visits_data), "visits"),
                     lambda: teams_from_records(json.loads(inputs.teams_data), "teams"))
    with tempfile.TemporaryDirectory(prefix="routeplan-upload-") as tmp:
        folder = Path(tmp)
        (folder / "visits").mkdir()
        (folder / "teams").mkdir()
        vpath = folder / "visits" / inputs.visits_name
        tpath = folder / "teams" / inputs.teams_name
        vpath.write_bytes(inputs.visits_data)
        tpath.write_bytes(inputs.teams_data)
        try:
            return _both(lambda: read_visits(vpath), lambda: read_teams(tpath))
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
