"""What-if comparisons of a week: the same cases planned by `plan_week` under each scenario.

The week's counterpart of `workflows.compare`: one seed and one budget (the first scenario's
`week.time_limit_s` unless given) for every scenario, each a policy and optionally its own
roster; the figures are the week's KPIs (`io.schedule_json.week_kpis_to_dict`), so analysts
see priority, must-visits, driving and the balance over team-days side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from routeplan.config import RuntimeConfig
from routeplan.domain.errors import InvalidInput
from routeplan.domain.schedule import Horizon, WeekPlan
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io.schedule_json import week_kpis_to_dict
from routeplan.workflows.build import RegionLocator, default_locator
from routeplan.workflows.compare import Scenario
from routeplan.workflows.runtime import build_day, calendar_of, travel_of
from routeplan.workflows.week import WeekOptions, plan_week

#: The week's figures shown side by side, in this order (keys of the KPI block).
WEEK_KEYS = ("visits_planned", "unscheduled", "priority_planned", "priority_share",
             "must_visits_planned", "distance_m", "driving_s", "days_planned",
             "team_days_used", "moved", "solve_s")


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """The same week under every scenario, in the order given."""

    horizon: Horizon
    results: tuple[tuple[Scenario, WeekPlan], ...]
    time_limit_s: float
    seed: int


def compare_weeks(
    horizon: Horizon,
    visits: Sequence[Visit],
    teams: Sequence[Team],
    scenarios: Sequence[Scenario],
    *,
    time_limit_s: float | None = None,
    seed: int = 0,
    solution_limit: int | None = None,
    config: RuntimeConfig | None = None,
    roads: Path | None = None,
    locator: RegionLocator | None = None,
    on_scenario: Callable[[int, Scenario], None] | None = None,
) -> WeekComparison:
    """Plan the week once per scenario with one seed and one budget."""
    if not scenarios:
        raise InvalidInput("scenarios: at least one policy or roster is needed to compare")
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidInput(f"scenario names: {', '.join(dupes)} given more than once")
    cfg = config or RuntimeConfig()
    locator = locator if locator is not None else default_locator()
    calendar = calendar_of(cfg)
    limit = time_limit_s if time_limit_s is not None else scenarios[0].policy.week_time_limit_s
    options = WeekOptions(time_limit_s=limit, seed=seed, solution_limit=solution_limit)
    results = []
    for i, scenario in enumerate(scenarios):
        if on_scenario is not None:
            on_scenario(i, scenario)
        roster = scenario.teams if scenario.teams is not None else tuple(teams)
        build = partial(build_day, config=cfg, travel=travel_of(cfg, scenario.policy, roads),
                        locator=locator, calendar=calendar)
        week = plan_week(visits, roster, scenario.policy, horizon, build=build,
                         locator=locator, calendar=calendar, options=options)
        results.append((scenario, week))
    return WeekComparison(horizon, tuple(results), limit, seed)


def week_comparison_to_dict(comparison: WeekComparison) -> dict[str, Any]:
    """`{"start", "days", "scenarios": [{"name", "policy", "kpis"}]}` (the week's KPIs)."""
    return {
        "start": comparison.horizon.start.isoformat(), "days": comparison.horizon.days,
        "time_limit_s": comparison.time_limit_s, "seed": comparison.seed,
        "scenarios": [{"name": s.name, "policy": s.policy.to_mapping(),
                       "teams": sorted(t.team_id for t in w.teams),
                       "kpis": week_kpis_to_dict(w.kpis)} for s, w in comparison.results],
    }


def week_rows(doc: Mapping[str, Any]) -> list[list[str]]:
    """The side-by-side table: a header, then one row per scenario."""
    rows = [["scenario", *WEEK_KEYS, "visits/team-day"]]
    for sc in doc["scenarios"]:
        k = sc["kpis"]
        spread = k["visits_per_team_day"]
        rows.append([sc["name"], *(str(k[key]) for key in WEEK_KEYS),
                     f"{spread['mean']:.2f} ± {spread['std']:.2f}"])
    return rows


__all__ = ["WEEK_KEYS", "WeekComparison", "compare_weeks", "week_comparison_to_dict",
           "week_rows"]
