"""GET /v1/audit: findings per code with their evidence, clean visits, filters, XLSX, weeks."""

from __future__ import annotations

import copy
import io
import logging
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from routeplan.domain.clock import SHANGHAI
from routeplan.io.audit_exports import XLSX_COLUMNS
from routeplan.io.day_writers import team_record, visit_record
from routeplan.workflows.synth import synth_day
from routeplan_api.services.demo import default_locator
from tests.api.conftest import Api, FakeClock, plan_body

DAY = "2026-12-01"
#: A shift from metres north to degrees of latitude (close enough at Henan's latitude).
DEG_PER_M = 1 / 111_195


class Field:
    """One plan's routes and a phone per team that reports on a fake clock."""

    def __init__(self, api: Api, clock: FakeClock, body: dict[str, Any]) -> None:
        self.api, self.clock = api, clock
        self.plan_id = body["plan_id"]
        self.routes = {r["team_id"]: r for r in body["plan"]["routes"] if r["stops"]}

    def team(self, n: int) -> dict[str, Any]:
        return list(self.routes.values())[n]

    def report(self, route: dict[str, Any], stop: int, status: str, hhmm: str, *,
               north_m: float | None = 0.0, accuracy_m: float = 20.0,
               members: list[str] | None = None, delay_s: float = 5,
               day: str = DAY) -> None:
        """Report `status` at local `hhmm`, received `delay_s` later (negative: early)."""
        s = route["stops"][stop]
        at = datetime.fromisoformat(f"{day}T{hhmm}:00+08:00")
        self.clock.now = at + timedelta(seconds=delay_s)
        event: dict[str, Any] = {"visit_id": s["visit_id"], "status": status,
                                 "at": at.isoformat()}
        if north_m is not None:
            event["position"] = {"lat": s["lat"] + north_m * DEG_PER_M, "lon": s["lon"],
                                 "accuracy_m": accuracy_m}
        event["members_present"] = route["members"][:2] if members is None else members
        path = urlsplit(route["field_link"]).path + "/events"
        r = self.api.client.post(path, json=event)
        assert r.status_code == 201, r.text

    def audit(self, role: str = "auditor", **params: str) -> dict[str, Any]:
        r = self.api.get("/v1/audit", role, params={"date": DAY, **params})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


def _solved(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    pid = api.post("/v1/plans", json=body).json()["plan_id"]
    done = api.wait(pid)
    assert done["status"] == "done", done
    return done


def _two_teams(day: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The small day with each team capped at 5 visits, so both teams have a route."""
    visits, teams = copy.deepcopy(day)
    for t in teams:
        t["max_visits"] = 5
    return visits, teams


@pytest.fixture
def field(api: Api, clock: FakeClock, small_day: Any) -> Field:
    f = Field(api, clock, _solved(api, plan_body(_two_teams(small_day))))
    assert len(f.routes) == 2, "the day needs two teams with stops"
    return f


def _codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["visit_id"], f["code"]) for f in body["findings"]]


def test_each_finding_code_is_found_with_its_evidence(field: Field) -> None:
    """One visit per rule broken; the finding names the team, the visit and the evidence."""
    a, b = field.team(0), field.team(1)
    va = [s["visit_id"] for s in a["stops"]]
    vb = [s["visit_id"] for s in b["stops"]]
    field.report(a, 0, "arrived", "22:30")                            # rule 1
    field.report(a, 1, "arrived", "10:00", north_m=2000)              # rule 4
    field.report(b, 0, "arrived", "11:00", members=b["members"][:1])  # rule 3
    field.report(b, 1, "arrived", "12:00", north_m=None)              # no position
    field.report(b, 2, "arrived", "13:00", delay_s=-600)              # phone 10 min ahead
    body = field.audit()
    assert body["date"] == DAY
    assert sorted(_codes(body)) == sorted([
        (va[0], "outside_lawful_hours"), (va[1], "far_from_visit"),
        (vb[0], "single_collector"), (vb[1], "no_position"), (vb[2], "clock_skew")])
    by_code = {f["code"]: f for f in body["findings"]}
    far = by_code["far_from_visit"]
    assert far["team_id"] == a["team_id"] and far["plan_id"] == field.plan_id
    assert far["evidence"]["distance_m"] == pytest.approx(2000, abs=5)
    assert far["evidence"]["accuracy_m"] == 20
    assert far["evidence"]["members_present"] == a["members"][:2]
    assert far["detail"] and far["detail_en"]
    assert far["at"] == f"{DAY}T10:00:00+08:00"
    assert far["evidence"]["received_at"] == f"{DAY}T10:00:05+08:00"
    assert by_code["single_collector"]["evidence"]["members_present"] == b["members"][:1]
    assert by_code["clock_skew"]["evidence"]["ahead_s"] == 600
    assert by_code["outside_lawful_hours"]["evidence"]["local_time"] == "22:30:00"
    assert body["summary"]["visits_reported"] == 5
    assert body["summary"]["findings_by_code"] == {
        "outside_lawful_hours": 1, "far_from_visit": 1, "single_collector": 1,
        "no_position": 1, "clock_skew": 1}


def test_lawful_visits_at_the_door_with_two_members_have_no_finding(field: Field) -> None:
    """At the door, within the accuracy, 08:00 to 22:00 (both included), late delivery."""
    a, b = field.team(0), field.team(1)
    field.report(a, 0, "arrived", "08:00")
    field.report(a, 0, "done", "08:40")
    field.report(a, 1, "arrived", "10:00", north_m=420, accuracy_m=150)  # 420 - 150 <= 300
    field.report(b, 0, "arrived", "22:00", members=b["members"])
    # the offline queue: reported at 11:00, delivered three hours later
    field.report(b, 1, "arrived", "11:00", delay_s=3 * 3600)
    field.report(b, 1, "not_at_home", "11:05", delay_s=3 * 3600 - 300)
    body = field.audit()
    assert body["findings"] == []
    assert body["summary"]["visits_reported"] == 4
    assert body["summary"]["reports"] == 6
    assert set(body["summary"]["findings_by_code"].values()) == {0}


def test_a_consented_early_visit_at_0730_is_lawful_and_an_unconsented_one_is_not(
        api: Api, clock: FakeClock, small_day: Any) -> None:
    visits, teams = _two_teams(small_day)
    visits[0].update(must_visit=True, priority=100, window_start="07:00", window_end="08:30",
                     consent_out_of_hours=True)
    for t in teams:
        t["shift_start"] = "06:30"
    f = Field(api, clock, _solved(api, plan_body((visits, teams))))
    consented = visits[0]["visit_id"]
    where = {s["visit_id"]: (r, n) for r in f.routes.values() for n, s in enumerate(r["stops"])}
    assert consented in where, "the consented early visit must be routed"
    plain = next(v for v in where if v != consented)  # no consent: not before 08:00
    f.report(*where[consented], "arrived", "07:30")
    f.report(*where[plain], "arrived", "07:30")
    body = f.audit()
    assert _codes(body) == [(plain, "outside_lawful_hours")]
    assert body["summary"]["consent_checked"] is True


def test_findings_narrow_by_code_team_and_prefecture(field: Field) -> None:
    a, b = field.team(0), field.team(1)
    field.report(a, 0, "arrived", "10:00", north_m=None)
    field.report(b, 0, "arrived", "10:00", north_m=None, members=b["members"][:1])
    assert len(field.audit()["findings"]) == 3
    only_b = field.audit(team=b["team_id"])
    assert {f["team_id"] for f in only_b["findings"]} == {b["team_id"]}
    assert only_b["summary"]["visits_reported"] == 1
    assert [f["code"] for f in field.audit(code="single_collector")["findings"]] == [
        "single_collector"]
    assert len(field.audit(prefecture="郑州市")["findings"]) == 3  # the day is in Zhengzhou
    assert len(field.audit(prefecture="410100")["findings"]) == 3
    assert field.audit(prefecture="Luoyang")["findings"] == []
    bad = field.api.get("/v1/audit", "auditor", params={"date": DAY, "prefecture": "Gotham"})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["location"] == "prefecture"
    wrong = field.api.get("/v1/audit", "auditor", params={"date": DAY, "code": "speeding"})
    assert wrong.status_code == 422


def test_the_audit_reads_the_newest_version_and_other_days_are_empty(field: Field) -> None:
    field.report(field.team(0), 0, "arrived", "10:00", north_m=None)
    other = field.api.get("/v1/audit", "admin", params={"date": "2026-12-02"}).json()
    assert other["findings"] == [] and other["summary"]["plans"] == 0
    assert field.audit("admin")["summary"]["plans"] == 1


def test_every_audit_read_is_logged_and_positions_never_reach_the_log(
        field: Field, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    a = field.team(0)
    lat = a["stops"][0]["lat"] + 2000 * DEG_PER_M
    field.report(a, 0, "arrived", "10:00", north_m=2000)
    body = field.audit()
    field.api.get("/v1/audit.xlsx", "auditor", params={"date": DAY})
    auditor = field.api.keys["auditor"].split("_")[1]
    log = [(e.actor, e.what) for e in field.api.store.plans.access_log(field.plan_id)]
    assert (f"key:{auditor}", f"audit:{DAY}") in log
    assert (f"key:{auditor}", f"audit.xlsx:{DAY}") in log
    text = caplog.text + str(body)
    assert f"{lat:.5f}"[:-1] not in text and f"{a['stops'][0]['lon']:.5f}"[:-1] not in text


def test_the_audit_exports_as_xlsx_with_chinese_headers(field: Field) -> None:
    a = field.team(0)
    field.report(a, 0, "arrived", "10:00", north_m=2000)
    field.report(a, 1, "arrived", "23:00", north_m=None)
    for url, params in (("/v1/audit.xlsx", {"date": DAY}),
                        ("/v1/audit", {"date": DAY, "format": "xlsx"})):
        r = field.api.get(url, "auditor", params=params)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert f"audit-{DAY}.xlsx" in r.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [h for h, _ in XLSX_COLUMNS]
        assert [row[0] for row in rows[1:]] == [
            "far_from_visit", "outside_lawful_hours", "no_position"]
        assert rows[1][6] == pytest.approx(2000, abs=5)
        assert all(c.data_type != "f" for line in sheet.iter_rows() for c in line)


def test_the_weekly_summary_has_a_row_per_team_and_week(field: Field) -> None:
    a, b = field.team(0), field.team(1)
    field.report(a, 0, "arrived", "10:00", north_m=None)
    field.report(a, 1, "arrived", "11:00", north_m=None)
    r = field.api.get("/v1/audit/summary", "auditor",
                      params={"week_start": "2026-11-30", "weeks": "2"})
    assert r.status_code == 200, r.text
    rows = {(x["week_start"], x["team_id"]): x for x in r.json()["rows"]}
    assert set(rows) == {(w, t) for w in ("2026-11-30", "2026-12-07")
                         for t in (a["team_id"], b["team_id"])}
    assert rows[("2026-11-30", a["team_id"])]["counts"]["no_position"] == 2
    assert rows[("2026-11-30", a["team_id"])]["total"] == 2
    assert rows[("2026-11-30", b["team_id"])]["total"] == 0
    assert rows[("2026-12-07", a["team_id"])]["total"] == 0
    tuesday = field.api.get("/v1/audit/summary", "auditor", params={"week_start": DAY})
    assert tuesday.status_code == 422
    assert "not a Monday" in tuesday.json()["problems"][0]["message"]


def test_received_at_comes_from_the_service_clock(field: Field) -> None:
    """A phone cannot claim when it was received: the field is the service's alone."""
    a = field.team(0)
    s = a["stops"][0]
    field.clock.now = datetime(2026, 12, 1, 10, 0, 7, tzinfo=SHANGHAI)
    r = field.api.client.post(urlsplit(a["field_link"]).path + "/events", json={
        "visit_id": s["visit_id"], "status": "arrived", "at": f"{DAY}T10:00:00+08:00",
        "received_at": f"{DAY}T10:00:00+08:00"})
    assert r.status_code == 422  # not a field of the report


@pytest.mark.parametrize(("prefecture", "seed"), [("410300", 5), ("411300", 9)])
def test_a_day_executed_as_planned_has_no_finding(api: Api, clock: FakeClock, prefecture: str,
                                                  seed: int) -> None:
    """A lawful plan executed as planned is clean, on synthetic days elsewhere in Henan.

    Every stop is reported at its planned start and departure, at the door, with the team.
    """
    synth = synth_day(prefectures=[prefecture], visits=14, teams=3, seed=seed,
                      day=date(2026, 12, 1), locator=default_locator())
    records = ([visit_record(v) for v in synth.visits], [team_record(t) for t in synth.teams])
    f = Field(api, clock, _solved(api, plan_body(records)))
    stops = 0
    for route in f.routes.values():
        for n, s in enumerate(route["stops"]):
            for status, key in (("arrived", "start"), ("done", "departure")):
                hhmm = datetime.fromisoformat(s[key]).astimezone(SHANGHAI).strftime("%H:%M")
                f.report(route, n, status, hhmm, members=route["members"], delay_s=40)
            stops += 1
    assert stops >= 5
    audit = f.audit()
    assert audit["findings"] == []
    assert audit["summary"]["visits_reported"] == stops
    assert f.audit(prefecture=prefecture)["summary"]["visits_reported"] == stops
    assert f.audit(prefecture="410100")["summary"]["visits_reported"] == 0
