"""Field reports read from JSON: positions and members present for the audit, each validated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fieldday import DOORS, moment, record

from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import OutcomeStatus
from routeplan.geo.crs import from_wgs84
from routeplan.io.field_reports import outcomes_from_records, read_outcomes
from routeplan.rules.audit import distance_m


def test_an_event_with_position_members_and_receipt_is_read() -> None:
    """The service's event shape: position (WGS-84 by default), members, received_at."""
    rec = record("V1", received_at="2026-12-01T10:03:10+08:00", note="敲门无人应")
    (o,) = outcomes_from_records({"events": [rec]})
    assert (o.visit_id, o.team_id, o.status) == ("V1", "T1", OutcomeStatus.ARRIVED)
    assert o.position is not None and o.position.point == DOORS["V1"]
    assert o.position.accuracy_m == 15
    assert o.members_present == ("T1-a", "T1-b")
    assert o.received_at == moment("10:03:10")


def test_reports_without_the_audit_fields_read_as_before() -> None:
    """Older files and re-planning: no position, members or receipt means None, not an error."""
    (o,) = outcomes_from_records([{"visit_id": "V1", "team_id": "T1", "status": "done",
                                   "at": "2026-12-01T10:15:00+08:00"}])
    assert (o.position, o.members_present, o.received_at) == (None, None, None)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_map_coordinates_are_converted_to_wgs84(crs: str) -> None:
    """A GCJ-02 or BD-09 position of the door reads back as the door (within centimetres)."""
    door = DOORS["V1"]
    lon, lat = from_wgs84(door[0], door[1], crs)
    (o,) = outcomes_from_records([record(
        "V1", position={"lat": lat, "lon": lon, "accuracy_m": 5, "crs": crs})])
    assert o.position is not None
    assert distance_m(o.position.point, door) < 0.05


@pytest.mark.parametrize(("change", "message"), [
    ({"position": {"lat": 95, "lon": 113.6, "accuracy_m": 5}}, "position: lat 95.0 is outside"),
    ({"position": {"lat": 34.7, "lon": 190, "accuracy_m": 5}}, "position: lon 190.0 is outside"),
    ({"position": {"lat": 34.7, "lon": 113.6}}, "position.accuracy_m is missing"),
    ({"position": {"lat": 34.7, "lon": 113.6, "accuracy_m": -1}}, "accuracy_m: -1"),
    ({"position": {"lat": 34.7, "lon": 113.6, "accuracy_m": "near"}}, "accuracy_m 'near'"),
    ({"position": {"lat": 34.7, "lon": 113.6, "accuracy_m": 5, "crs": "utm"}},
     "'utm' is not a coordinate system"),
    ({"position": [113.6, 34.7]}, "position: expected an object"),
    ({"members_present": "T1-a,T1-b"}, "members_present: expected an array"),
    ({"members_present": ["T1-a", 7]}, "members_present/1: expected a collector id"),
    ({"members_present": ["T1-a", "  "]}, "members_present/1: expected a collector id"),
    ({"members_present": [f"m{n}" for n in range(11)]}, "11 ids, at most 10"),
    ({"members_present": ["x" * 101]}, "101 characters, at most 100"),
    ({"received_at": "2026-12-01T10:03:10"}, "received_at: 2026-12-01T10:03:10 has no time"),
    ({"received_at": "soon"}, "received_at 'soon' is not an ISO 8601 moment"),
])
def test_a_bad_audit_field_is_one_located_message(change: dict[str, Any], message: str) -> None:
    """Each problem names the report (file/index) and the field, and quotes the value."""
    good = record("V1", at="10:00")
    with pytest.raises(InvalidInput) as err:
        outcomes_from_records([good, record("V2", **change)], source="events.json")
    (problem,) = err.value.problems
    assert problem.location == "events.json/1"
    assert message in problem.message


def test_a_position_never_shows_in_a_repr() -> None:
    """Whereabouts stay out of log lines and tracebacks that print an outcome."""
    (o,) = outcomes_from_records([record("V1")])
    text = repr(o)
    assert "accuracy_m=15" in text
    assert str(DOORS["V1"][0])[:7] not in text and str(DOORS["V1"][1])[:6] not in text


def test_read_outcomes_reads_an_events_file(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"events": [record("V1"), record("V1", "done", "10:20")]}),
                    encoding="utf-8")
    assert [o.status for o in read_outcomes(path)] == [OutcomeStatus.ARRIVED,
                                                       OutcomeStatus.DONE]
