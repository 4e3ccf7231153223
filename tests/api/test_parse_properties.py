"""The service's parse: any upload (bytes, CSV, JSON records) gives a day or InvalidInput.

The same property as the readers' (tests/io/test_read_properties.py), through the service's
own entry point: uploads as stored (`Inputs`), with the names a client may give them.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan_api.persistence import Inputs
from routeplan_api.services.inputs import json_inputs, parse
from tests.io.test_read_properties import cell_text, records, table

CHECKS = settings(max_examples=80, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = st.sampled_from(["visits.csv", "visits.xlsx", "visits.json", "v.CSV", "a.b.json"])


def _holds(inputs: Inputs) -> None:
    problems: tuple[object, ...] = ()
    try:
        visits, teams = parse(inputs, max_rows=50, max_teams=10)
    except InvalidInput as exc:
        problems = exc.problems or (None,)
    else:
        assert len(visits) <= 50 and len(teams) <= 10
    assert all(isinstance(p, InputProblem) and p.message for p in problems)


@CHECKS
@given(NAMES, st.binary(max_size=2000), NAMES, st.binary(max_size=500))
def test_uploaded_bytes(vname: str, vdata: bytes, tname: str, tdata: bytes) -> None:
    _holds(Inputs("files", vname, vdata, tname, tdata))


@CHECKS
@given(table, table)
def test_uploaded_csv(visits: tuple[list[str], list[list[str]]],
                      teams: tuple[list[str], list[list[str]]]) -> None:
    def text(t: tuple[list[str], list[list[str]]]) -> bytes:
        return "\n".join(",".join(r) for r in [t[0], *t[1]]).encode()

    _holds(Inputs("files", "visits.csv", text(visits), "teams.csv", text(teams)))


@CHECKS
@given(st.lists(records, max_size=3), st.lists(records, max_size=3), cell_text)
def test_json_records(visits: list[object], teams: list[object], junk: str) -> None:
    try:
        inputs = json_inputs(visits, teams)
    except ValueError:  # an integer too long to write as JSON: no client can send it
        return
    _holds(inputs)
    _holds(Inputs("json", "visits", junk.encode(), "teams", json.dumps(teams).encode()))
