"""A day that would come back empty or short is said before solving, or refused by policy."""

from __future__ import annotations

from datetime import date

import pytest

from routeplan.domain.policy import Policy
from routeplan.domain.visit import Visit
from routeplan.workflows.build import check_plannable_day, day_warnings, default_locator
from tests.days import WORKDAY, team, visit

NATIONAL_DAY = date(2026, 10, 1)
SATURDAY = date(2026, 12, 5)


def test_an_ordinary_workday_has_no_warning() -> None:
    assert day_warnings(WORKDAY, [visit("a")], [team("T1")], Policy(),
                        locator=default_locator()) == []
    assert check_plannable_day(WORKDAY, Policy(rest_day="refuse")) == []


def test_a_holiday_is_warned_in_both_languages_and_refused_when_the_policy_says() -> None:
    [w] = day_warnings(NATIONAL_DAY, [visit("a")], [team("T1")], Policy())
    assert w.code == "holiday"
    assert "National Day" in w.message and "国庆节" in w.message_zh
    assert check_plannable_day(NATIONAL_DAY, Policy()) == []
    [refusal] = check_plannable_day(NATIONAL_DAY, Policy(rest_day="refuse"))
    assert refusal.location == "date" and "国庆节" in refusal.message
    # a policy that plans holidays neither warns nor refuses
    assert day_warnings(NATIONAL_DAY, [visit("a")], [team("T1")],
                        Policy(skip_holidays=False)) == []
    assert check_plannable_day(NATIONAL_DAY, Policy(skip_holidays=False, rest_day="refuse")) == []


def test_a_weekend_counts_only_when_the_policy_skips_weekends() -> None:
    assert day_warnings(SATURDAY, [visit("a")], [team("T1")], Policy()) == []
    [w] = day_warnings(SATURDAY, [visit("a")], [team("T1")], Policy(skip_weekends=True))
    assert w.code == "weekend"


def test_a_roster_outside_the_company_window_is_an_empty_roster() -> None:
    late = [team("T1", shift=("20:30", "22:00")), team("T2", shift=("06:00", "09:00"))]
    [w] = day_warnings(WORKDAY, [visit("a")], late, Policy())
    assert w.code == "empty_roster" and "2 个外访组" in w.message_zh
    mixed = [*late, team("T3")]
    assert day_warnings(WORKDAY, [visit("a")], mixed, Policy()) == []


@pytest.mark.parametrize(("outside_region", "says"), [("unassign", "未安排"), ("reject", "拒绝")])
def test_visits_outside_henan_are_counted(outside_region: str, says: str) -> None:
    beijing = Visit("far", borrower_id="B-far", location=(116.4074, 39.9042))
    [w] = day_warnings(WORKDAY, [visit("a"), beijing, visit("b")], [team("T1")],
                       Policy(outside_region=outside_region), locator=default_locator())
    assert w.code == "outside_region"
    assert w.message.startswith("1 of 3 visits")
    assert says in w.message_zh


def test_rest_day_takes_only_warn_or_refuse() -> None:
    with pytest.raises(ValueError, match=r"calendar\.rest_day"):
        Policy(rest_day="maybe")
