"""What-if comparisons: every figure recomputed from the scenario's plan, CSV and JSON shapes."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter

import pytest

from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Reason
from routeplan.domain.policy import Policy
from routeplan.workflows.build import default_locator
from routeplan.workflows.compare import (
    Comparison,
    Scenario,
    compare,
    comparison_table,
    comparison_to_csv,
    comparison_to_dict,
)
from tests.days import WORKDAY
from tests.workflows.fixtures import BUDGET, day_teams, day_visits

SCENARIOS = (
    Scenario("default", Policy()),
    Scenario("two a team", Policy(name="two a team", max_visits_per_team=2)),
    Scenario("one team", Policy(), teams=tuple(day_teams()[:1])),
)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(WORKDAY, day_visits(), day_teams(), SCENARIOS, BUDGET,
                   locator=default_locator())


def test_every_figure_matches_the_plan_it_came_from(comparison: Comparison) -> None:
    for result in comparison.results:
        plan, problem, k = result.plan, result.problem, result.kpis
        visit = {v.visit_id: v for v in problem.visits}
        stops = [s for r in plan.routes for s in r.stops]
        assert k["visits_planned"] == len(stops)
        assert k["visits_unassigned"] == len(plan.unassigned)
        assert k["priority_planned"] == sum(visit[s.visit_id].priority for s in stops)
        assert k["priority_total"] == sum(v.priority for v in problem.visits)
        assert k["must_visits_planned"] == sum(visit[s.visit_id].must_visit for s in stops)
        assert k["distance_km"] == pytest.approx(sum(r.distance_m for r in plan.routes) / 1000,
                                                 abs=1e-3)
        assert k["driving_h"] == pytest.approx(sum(r.driving_s for r in plan.routes) / 3600,
                                               abs=1e-3)
        assert k["service_h"] == pytest.approx(
            sum(s.departure - s.start for s in stops) / 3600, abs=1e-3)
        assert k["teams_used"] == sum(1 for r in plan.routes if r.stops)
        reasons = Counter(u.reason.value for u in plan.unassigned)
        assert k["unassigned_by_reason"] == {r.value: reasons[r.value] for r in Reason}
        shift = {t.team_id: t.shift for t in problem.teams}
        assert k["overtime_s"] == sum(max(0, r.end_s - shift[r.team_id].end)
                                      for r in plan.routes if r.stops) == 0
        shares = []
        for t in problem.teams:
            r = plan.route(t.team_id)
            used = r.end_s - r.start_s if r is not None and r.stops else 0
            shares.append(used / t.shift.length)
            assert k["workload"][t.team_id]["visits"] == (len(r.stops) if r else 0)
        assert k["utilisation_std"] == pytest.approx(statistics.pstdev(shares), abs=1e-3)
        assert k["utilisation_spread"] == pytest.approx(max(shares) - min(shares), abs=1e-3)
        assert k["time_limit_s"] == BUDGET.time_limit_s and k["seed"] == BUDGET.seed


def test_a_tighter_cap_plans_fewer_visits_and_says_over_capacity(comparison: Comparison) -> None:
    default, tight, _one = (r.kpis for r in comparison.results)
    assert tight["visits_planned"] <= 2 * 3
    assert tight["visits_planned"] < default["visits_planned"]
    assert tight["unassigned_by_reason"]["over_capacity"] > 0


def test_a_roster_scenario_uses_its_own_teams(comparison: Comparison) -> None:
    one = comparison.results[2]
    assert [t.team_id for t in one.problem.teams] == ["T1"]
    assert set(one.kpis["utilisation"]) == {"T1"}


def test_json_and_csv_carry_one_entry_per_scenario(comparison: Comparison) -> None:
    doc = json.loads(json.dumps(comparison_to_dict(comparison)))
    assert [s["name"] for s in doc["scenarios"]] == [s.name for s in SCENARIOS]
    for s in doc["scenarios"]:
        assert {"name", "policy", "kpis"} <= set(s)
        assert {"visits_planned", "priority_share", "must_visits_planned", "distance_m",
                "utilisation", "warnings"} <= set(s["kpis"])
    assert doc["scenarios"][1]["policy"]["teams"]["max_visits"] == 2
    rows = list(csv.DictReader(io.StringIO(comparison_to_csv(doc))))
    assert [r["scenario"] for r in rows] == [s.name for s in SCENARIOS]
    for row, s in zip(rows, doc["scenarios"], strict=True):
        assert int(row["visits_planned"]) == s["kpis"]["visits_planned"]
        assert int(row["unassigned_over_capacity"]) == \
            s["kpis"]["unassigned_by_reason"]["over_capacity"]
    assert comparison_table(doc).row_count > 10


def test_duplicate_scenario_names_are_an_input_error() -> None:
    with pytest.raises(InvalidInput, match="more than once"):
        compare(WORKDAY, day_visits(), day_teams(), [Scenario("a", Policy())] * 2, BUDGET)
