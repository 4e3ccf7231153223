"""What a dispatcher reads back from the API: list counts, a finished solve's progress,
Chinese beside English for input errors, and a rest day warned about (or refused) at once."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routeplan_api.services.zh import location_zh, message_zh, problem_zh
from tests.api.conftest import Api, plan_body

# 2026-10-01 is National Day (国庆节) in the shipped 2026 calendar; 2026-12-01 a Tuesday.
HOLIDAY = "2026-10-01"


def test_list_shows_counts_and_finished_progress_says_what_the_solve_did(
        api: Api, small_day: Any) -> None:
    plan_id = api.post("/v1/plans", json=plan_body(small_day)).json()["plan_id"]
    listed = api.get("/v1/plans").json()["items"]
    queued = next(i for i in listed if i["plan_id"] == plan_id)
    assert queued["planned"] is None  # not done: no counts yet, never zeros
    done = api.wait(plan_id)
    assert done["status"] == "done"
    kpis = done["plan"]["kpis"]
    progress = done["progress"]
    assert progress["planned"] == kpis["visits_planned"] > 0
    assert progress["unassigned"] == kpis["visits_unassigned"]
    assert progress["teams_used"] == kpis["teams_used"]
    assert progress["solutions"] >= 1
    item = next(i for i in api.get("/v1/plans").json()["items"] if i["plan_id"] == plan_id)
    assert item["status"] == "done"
    assert (item["planned"], item["unassigned"], item["teams"]) == (
        kpis["visits_planned"], kpis["visits_unassigned"], kpis["teams_used"])
    assert item["km"] == round(kpis["distance_m"] / 1000, 1)
    assert item["planned"] + item["unassigned"] == len(small_day[0])


def test_file_errors_carry_chinese_beside_english(api: Api, small_day: Any) -> None:
    header = "visit_id,borrower_id,lat,lon,window_start,window_end\n"
    visits = header + "V1,B1,34.75,113.62,09:00,25:00\n"
    teams = ("team_id,members,start_lat,start_lon,shift_start,shift_end\n"
             "T1,C1|C2,34.75,113.62,08:30,18:00\n")
    r = api.post("/v1/plans", data={"date": "2026-12-01"},
                 files={"visits": ("visits_bad.csv", visits.encode(), "text/csv"),
                        "teams": ("teams.csv", teams.encode(), "text/csv")})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message_zh"]
    [problem] = [p for p in body["problems"] if "window_end" in p["location"]]
    assert problem["location"] == "visits_bad.csv:2:window_end"
    assert problem["message_zh"].startswith("文件 visits_bad.csv，第 2 行，「window_end」列")
    assert "'25:00' 不是有效时刻" in problem["message_zh"]


def test_holiday_is_accepted_with_a_warning(api: Api, small_day: Any) -> None:
    r = api.post("/v1/plans", json=plan_body(small_day, date=HOLIDAY))
    assert r.status_code == 202, r.text
    [warning] = r.json()["warnings"]
    assert warning["code"] == "holiday"
    assert "National Day" in warning["message"]
    assert "国庆节" in warning["message_zh"]
    ordinary = api.post("/v1/plans", json=plan_body(small_day))
    assert ordinary.json()["warnings"] == []


def test_holiday_is_refused_when_the_policy_says_so(api: Api, small_day: Any) -> None:
    body = plan_body(small_day, date=HOLIDAY,
                     policy={"name": "default", "overrides": {"calendar": {"rest_day": "refuse"}}})
    r = api.post("/v1/plans", json=body)
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert problem["location"] == "/date"
    assert "refuse" in problem["message"]
    assert problem["message_zh"].startswith("日期：")
    assert "国庆节" in problem["message_zh"]
    assert api.get("/v1/plans", params={"date": HOLIDAY}).json()["items"] == []


def test_roster_outside_the_company_window_and_visits_outside_henan_are_warned(
        api: Api, small_day: Any) -> None:
    visits = [dict(v) for v in small_day[0]]
    visits[0] = {**visits[0], "lat": 39.9, "lon": 116.4}  # Beijing
    teams = [{**{k: v for k, v in t.items() if not k.startswith("break")},
              "shift_start": "20:30", "shift_end": "22:00"} for t in small_day[1]]
    r = api.post("/v1/plans", json=plan_body((visits, teams)))
    assert r.status_code == 202, r.text
    codes = {w["code"]: w for w in r.json()["warnings"]}
    assert set(codes) == {"empty_roster", "outside_region"}
    assert codes["outside_region"]["message"].startswith("1 of 12 visits")


@pytest.mark.parametrize(("location", "zh"), [
    ("v.xlsx[拜访]:3:lon", "文件 v.xlsx，工作表「拜访」，第 3 行，「lon」列（经度）"),
    ("/visits/4/lat", "案件记录 4，「lat」字段（纬度）"),
    ("teams.visit_id", "外访组文件的「visit_id」列（案件编号）"),
    ("/date", "日期"),
])
def test_locations_read_in_chinese(location: str, zh: str) -> None:
    assert location_zh(location) == zh


def test_an_unknown_message_keeps_its_english() -> None:
    assert message_zh("something new went wrong") == "输入有误（something new went wrong）"
    assert problem_zh("", "'x' is not a number") == "'x' 不是有效数字"


@given(st.text(max_size=80), st.text(max_size=200))
def test_any_problem_reads_in_chinese_without_losing_what_was_said(location: str,
                                                                    message: str) -> None:
    """Whatever a reader reports, the rendering never fails, and a sentence it cannot
    translate (nor one carrying its own Chinese after ' / ') keeps its English whole."""
    text = problem_zh(location, message)
    assert isinstance(text, str)
    assert isinstance(location_zh(location), str)
    zh = message_zh(message)
    if zh.startswith("输入有误（"):
        assert message.strip() in zh


@given(st.from_regex(r"[A-Za-z0-9:.\-]{1,12}", fullmatch=True),
       st.sampled_from(["{v} is not a number", "{v} is not a time of day as HH:MM",
                        "{v} appears 2 times", "{v} is not a calendar date"]))
def test_a_translated_problem_quotes_the_value_as_given(value: str, template: str) -> None:
    quoted = repr(value)
    zh = message_zh(template.format(v=quoted))
    assert not zh.startswith("输入有误")
    assert quoted in zh
