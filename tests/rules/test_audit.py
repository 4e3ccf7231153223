"""The audit of field reports: each finding where a rule was broken, none on a clean visit."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import Outcome
from routeplan.domain.policy import Policy
from routeplan.geo.crs import from_wgs84
from routeplan.io.audit_exports import audit_to_dict
from routeplan.io.field_reports import outcomes_from_records
from routeplan.rules.audit import (
    AuditResult,
    Finding,
    FindingCode,
    audit_plan,
    distance_m,
    weekly_summary,
)
from tests.fieldday import DOORS, V2_CONSENT, moment, moved, planned_day, record, report

PLAN = planned_day()


def audit(*reports: Outcome, consent: dict[str, object] | None = None,
          policy: Policy | None = None) -> AuditResult:
    windows = {"V2": V2_CONSENT} if consent is None else consent
    return audit_plan(PLAN, list(reports), policy, consent=windows,  # type: ignore[arg-type]
                      plan_id="P1")


def codes(result: AuditResult) -> list[str]:
    return [f.code.value for f in result.findings]


# -- clean visits ---------------------------------------------------------------------------


def test_a_clean_visit_has_no_finding() -> None:
    """At the door, two members, lawful hours, then done: nothing to report."""
    result = audit(report("V1", "arrived", "10:02"), report("V1", "done", "10:21"))
    assert result.findings == ()
    assert result.summary.visits_reported == 1
    assert result.summary.reports == 2
    assert result.summary.findings_by_code == {c.value: 0 for c in FindingCode}


def test_a_position_off_the_door_but_within_its_accuracy_is_no_finding() -> None:
    """450 m away with a 200 m accuracy is 250 m beyond it: under the 300 m limit."""
    off = moved(DOORS["V1"], metres=450)
    assert audit(report("V1", position=off, accuracy_m=200)).findings == ()


def test_a_consented_early_visit_at_0730_is_lawful() -> None:
    """V2's borrower agreed to 06:30-07:45: arriving at 07:30 is no finding."""
    result = audit(report("V2", "arrived", "07:30"), report("V2", "done", "07:44"))
    assert result.findings == ()


def test_the_legal_window_is_closed_at_both_ends() -> None:
    """08:00:00 and 22:00:00 are lawful; a second outside is not."""
    assert audit(report("V1", at="08:00:00"), report("V1", "done", at="22:00:00")).findings == ()
    result = audit(report("V1", at="07:59:59"), report("V1", "done", at="22:00:01"))
    assert codes(result) == ["outside_lawful_hours", "outside_lawful_hours"]


def test_an_offline_queue_delivering_hours_late_is_no_clock_skew() -> None:
    """Reported at 10:02, received at 13:40 when the phone found a network: no finding."""
    late = report("V1", at="10:02", received=moment("13:40"))
    assert audit(late).findings == ()


def test_outcomes_after_a_good_arrival_need_not_repeat_position_or_members() -> None:
    """The arrival carries the evidence; the outcome tapped after it may carry none."""
    done = report("V1", "done", "10:20", position=None, members=None)
    assert audit(report("V1", "arrived", "10:02"), done).findings == ()


# -- each finding -----------------------------------------------------------------------------


def test_a_visit_at_2230_without_consent_is_outside_lawful_hours() -> None:
    """Rule 1: a team at the door at 22:30, and the case has no consent."""
    result = audit(report("V1", "arrived", "22:30"))
    (f,) = result.findings
    assert f.code is FindingCode.OUTSIDE_LAWFUL_HOURS
    assert (f.plan_id, f.team_id, f.visit_id) == ("P1", "T1", "V1")
    assert f.at == moment("22:30")
    assert f.evidence["local_time"] == "22:30:00"
    assert f.evidence["consent_window"] is None
    assert "22:30" in f.detail and "22:30" in f.detail_en
    assert result.summary.findings_by_code["outside_lawful_hours"] == 1


def test_staying_past_2200_is_a_finding_on_the_outcome() -> None:
    """Arrived at 21:40 (lawful), done at 22:15: the team was still at the door after 22:00."""
    result = audit(report("V1", "arrived", "21:40"), report("V1", "done", "22:15"))
    assert [(f.code.value, f.evidence["status"]) for f in result.findings] == [
        ("outside_lawful_hours", "done")]


def test_consent_covers_only_its_window_on_the_plans_day() -> None:
    """07:50 is past V2's consented 07:45; 07:30 the next day is not the consented day."""
    late = audit(report("V2", at="07:50"))
    (f,) = late.findings
    assert f.code is FindingCode.OUTSIDE_LAWFUL_HOURS
    assert f.evidence["consent_window"] == "06:30–07:45"
    assert "06:30–07:45" in f.detail_en
    next_day = moment("07:30", PLAN.day + timedelta(days=1))
    assert codes(audit(report("V2", at=next_day))) == ["outside_lawful_hours"]


def test_without_consent_information_an_early_visit_is_a_finding() -> None:
    """consent=None (unknown): 07:30 is flagged and the summary says consent was not checked."""
    result = audit_plan(PLAN, [report("V2", at="07:30")], consent=None)
    assert codes(result) == ["outside_lawful_hours"]
    assert result.summary.consent_checked is False
    assert audit(report("V2", at="07:30")).summary.consent_checked is True


def test_a_report_2_km_from_the_door_is_far_from_visit() -> None:
    """Rule 4: 2 km off (a relative's or neighbour's door?), accuracy 20 m."""
    off = moved(DOORS["V1"], metres=2000, bearing=30)
    (f,) = audit(report("V1", position=off, accuracy_m=20)).findings
    assert f.code is FindingCode.FAR_FROM_VISIT
    assert f.evidence["distance_m"] == 2000
    assert f.evidence["accuracy_m"] == 20
    assert f.evidence["max_distance_m"] == 300
    assert f.evidence["beyond_m"] == 2000 - 20 - 300
    assert "2000" in f.detail and "2000 m" in f.detail_en


def test_the_distance_limit_comes_from_the_policy() -> None:
    """800 m off is a finding under the default 300 m, and none under audit.max_distance_m 1000."""
    r = report("V1", position=moved(DOORS["V1"], metres=800), accuracy_m=10)
    assert codes(audit(r)) == ["far_from_visit"]
    assert audit(r, policy=Policy(audit_max_distance_m=1000)).findings == ()
    assert audit_plan(planned_day(Policy(audit_max_distance_m=1000)), [r]).findings == ()


def test_findings_never_carry_coordinates() -> None:
    """Evidence is metres from the visit's point; the position itself appears nowhere."""
    off = moved(DOORS["V1"], metres=2000)
    result = audit(report("V1", position=off, members=("T1-a",), at="23:00"))
    text = json.dumps(audit_to_dict(result))
    for value in (*off, *DOORS["V1"]):
        assert f"{value:.3f}"[:-1] not in text
    assert "lat" not in text and "lon" not in text


@pytest.mark.parametrize(("members", "present"), [
    (("T1-a",), ("T1-a",)),
    (("T1-a", "T1-a"), ("T1-a",)),
    (("T1-a", "T2-a"), ("T1-a",)),
    ((), ()),
])
def test_fewer_than_two_of_the_teams_members_is_single_collector(
        members: tuple[str, ...], present: tuple[str, ...]) -> None:
    """Rule 3: one member, a member named twice, or a collector of another team: not two."""
    (f,) = audit(report("V1", members=members)).findings
    assert f.code is FindingCode.SINGLE_COLLECTOR
    assert f.evidence["members_present"] == present
    assert f.evidence["present_count"] == len(present)
    assert f.evidence["others_present"] == len(set(members) - {"T1-a"})


def test_an_arrival_that_does_not_say_who_was_there_is_single_collector() -> None:
    """No evidence of two collectors is a finding too, marked as not reported."""
    (f,) = audit(report("V1", members=None)).findings
    assert f.code is FindingCode.SINGLE_COLLECTOR
    assert f.evidence["present_count"] is None
    assert f.evidence["members_present"] is None


def test_an_outcome_naming_one_member_is_single_collector_even_after_a_good_arrival() -> None:
    """Whenever a report names who was there, fewer than two is a finding."""
    result = audit(report("V1"), report("V1", "done", "10:20", members=("T1-b",)))
    assert [(f.code.value, f.evidence["status"]) for f in result.findings] == [
        ("single_collector", "done")]


def test_an_arrival_without_a_position_is_no_position() -> None:
    """The collector refused location, or the phone had none."""
    (f,) = audit(report("V1", position=None)).findings
    assert f.code is FindingCode.NO_POSITION
    assert f.evidence["distance_m"] is None


def test_skipping_arrived_does_not_skip_the_evidence() -> None:
    """A visit reported only as done, with nothing, is judged on that report."""
    bare = report("V1", "done", "10:20", position=None, members=None)
    assert codes(audit(bare)) == ["single_collector", "no_position"]


def test_a_phone_clock_ahead_of_the_service_is_clock_skew() -> None:
    """Claimed 10:10, received 10:00: the phone's clock runs 10 minutes ahead."""
    (f,) = audit(report("V1", at="10:10", received=moment("10:00"))).findings
    assert f.code is FindingCode.CLOCK_SKEW
    assert f.evidence["ahead_s"] == 600
    assert f.evidence["received_at"] == "2026-12-01T10:00:00+08:00"


def test_up_to_five_minutes_ahead_is_tolerated() -> None:
    """Phone clocks drift: 5 minutes ahead is no finding, 5 min 1 s is."""
    assert audit(report("V1", at="10:05:00", received=moment("10:00"))).findings == ()
    assert codes(audit(report("V1", at="10:05:01", received=moment("10:00")))) == [
        "clock_skew"]


def test_a_gcj02_position_is_converted_before_the_distance() -> None:
    """AMap reports the door in GCJ-02 (about 500 m off in WGS-84): read as such, no finding."""
    door = DOORS["V1"]
    gcj = from_wgs84(door[0], door[1], "gcj02")
    assert distance_m(gcj, door) > 300  # the shift alone would be a finding
    position = {"lat": gcj[1], "lon": gcj[0], "accuracy_m": 10}
    (as_gcj,) = outcomes_from_records([record("V1", position={**position, "crs": "gcj02"})])
    assert audit(as_gcj).findings == ()
    (as_wgs,) = outcomes_from_records([record("V1", position=position)])
    assert codes(audit(as_wgs)) == ["far_from_visit"]


def test_several_findings_of_one_report_are_all_given_in_time_order() -> None:
    """A lone collector 2 km away at 23:00 with the phone clock ahead: four findings."""
    bad = report("V3", "arrived", "23:00", position=moved(DOORS["V3"], metres=2000),
                 members=("T2-a",), received=moment("22:30"))
    early = report("V1", "arrived", "06:00")
    result = audit(bad, early)
    assert codes(result) == ["outside_lawful_hours", "outside_lawful_hours",
                             "far_from_visit", "single_collector", "clock_skew"]
    assert [f.visit_id for f in result.findings] == ["V1", "V3", "V3", "V3", "V3"]
    assert result.summary.visits_reported == 2


def test_a_report_of_a_visit_not_on_its_teams_route_is_refused() -> None:
    """Nothing can be checked for it: a located input error, not a silent skip."""
    with pytest.raises(InvalidInput) as err:
        audit(report("V1"), report("V3", team="T1"),
              report("V1", team="T9", members=("x", "y")))
    located = [p.location for p in err.value.problems]
    assert located == ["report 1", "report 2"]
    assert "T9" in str(err.value)


def test_distance_is_geodesic_metres() -> None:
    """One degree of latitude at the equator is 110,574 m on WGS-84 (a published figure)."""
    assert distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(110_574.4, abs=1.0)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(metres=st.floats(0, 5000), accuracy=st.floats(0, 2000), bearing=st.floats(0, 360),
       limit=st.integers(10, 2000))
@example(metres=331.0, accuracy=30.0, bearing=0.0, limit=300)
@example(metres=329.0, accuracy=30.0, bearing=0.0, limit=300)
def test_far_from_visit_exactly_when_beyond_limit_plus_accuracy(
        metres: float, accuracy: float, bearing: float, limit: int) -> None:
    """Moving a clean report farther than max+accuracy yields far_from_visit, never otherwise."""
    if abs(metres - accuracy - limit) < 0.01:  # the boundary itself, within float error
        return
    r = report("V1", position=moved(DOORS["V1"], metres=metres, bearing=bearing),
               accuracy_m=accuracy)
    found = codes(audit(r, policy=Policy(audit_max_distance_m=limit)))
    assert found == (["far_from_visit"] if metres > limit + accuracy else [])


# -- weekly summary ---------------------------------------------------------------------------


def _finding(team: str, day: date, code: FindingCode = FindingCode.NO_POSITION) -> Finding:
    return Finding(code, "P1", team, "V1", moment("10:00", day), "d", "e")


def test_weekly_summary_counts_per_team_code_and_week() -> None:
    """Two weeks (Mon 30 Nov, Mon 7 Dec 2026), two teams; a clean team and week show zeros."""
    findings = [
        _finding("T1", date(2026, 12, 1)),
        _finding("T1", date(2026, 12, 6)),  # Sunday: still the first week
        _finding("T1", date(2026, 12, 7), FindingCode.FAR_FROM_VISIT),
        _finding("T2", date(2026, 12, 8), FindingCode.CLOCK_SKEW),
        _finding("T2", date(2026, 12, 20)),  # after the range
    ]
    rows = weekly_summary(findings, start=date(2026, 12, 1), end=date(2026, 12, 13),
                          teams=["T3"])
    table = {(r.week_start.isoformat(), r.team_id): r for r in rows}
    assert sorted(table) == [(w, t) for w in ("2026-11-30", "2026-12-07")
                             for t in ("T1", "T2", "T3")]
    assert table["2026-11-30", "T1"].counts["no_position"] == 2
    assert table["2026-11-30", "T1"].total == 2
    assert table["2026-12-07", "T1"].counts["far_from_visit"] == 1
    assert table["2026-12-07", "T2"].counts["clock_skew"] == 1
    assert table["2026-12-07", "T2"].total == 1
    assert table["2026-11-30", "T3"].total == 0
    assert set(table["2026-11-30", "T3"].counts) == {c.value for c in FindingCode}


def test_weekly_summary_uses_the_local_day() -> None:
    """23:30 UTC on Sunday is 07:30 Monday in Shanghai: it counts in Monday's week."""
    sunday_utc = moment("07:30", date(2026, 12, 7)).astimezone(UTC)
    f = Finding(FindingCode.NO_POSITION, "P1", "T1", "V1", sunday_utc, "d", "e")
    (row,) = weekly_summary([f], start=date(2026, 12, 7), end=date(2026, 12, 7))
    assert (row.week_start, row.total) == (date(2026, 12, 7), 1)


def test_weekly_summary_refuses_a_reversed_range() -> None:
    with pytest.raises(InvalidInput, match="before start"):
        weekly_summary([], start=date(2026, 12, 8), end=date(2026, 12, 1))
