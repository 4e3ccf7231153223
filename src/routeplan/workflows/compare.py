"""What-if comparisons: one day solved under several policies or rosters, figures side by side.

Every scenario is solved with the same seed and the same search budget, so differences come
from the policy or the roster and not from luck. The figures of a scenario are the plan
contract's KPI keys (`routeplan.io.plan_json.kpis_to_dict`) plus what an analyst compares:
kilometres, hours, overtime, the workload of each team and its spread (fairness).

Overtime is time a team is out beyond its shift end. The solver never plans it and the
compliance checker rejects it, so it is zero by construction; it is computed from the routes
all the same, so a regression would show rather than be assumed away.

The result document is plain JSON (`comparison_to_dict`), so the service can store it and
draw the charts and the report (`routeplan.report.charts`) from it later without the plans.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from routeplan.config import RuntimeConfig
from routeplan.domain.errors import InvalidInput
from routeplan.domain.plan import Plan, Reason
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.io.plan_json import kpis_to_dict
from routeplan.solver import SolveOptions, solve
from routeplan.travel.matrix import TravelMatrix
from routeplan.workflows.build import RegionLocator
from routeplan.workflows.runtime import build_day, travel_of

#: The extra figures, in the order of the table and the CSV (after the scenario name).
EXTRA_KEYS = (
    "distance_km", "driving_h", "waiting_h", "service_h", "overtime_s",
    "utilisation_mean", "utilisation_std", "utilisation_spread", "time_limit_s", "seed",
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One way of running the day: a policy, and optionally a roster other than the day's."""

    name: str
    policy: Policy
    teams: tuple[Team, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("scenario name: must not be empty")


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A solved scenario: its plan, the problem it was solved on, and its figures."""

    scenario: Scenario
    problem: Problem
    plan: Plan
    kpis: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The same day under every scenario, in the order given."""

    day: date
    results: tuple[ScenarioResult, ...]
    options: SolveOptions = field(default_factory=SolveOptions)


def compare(
    day: date,
    visits: Sequence[Visit],
    teams: Sequence[Team],
    scenarios: Sequence[Scenario],
    options: SolveOptions | None = None,
    *,
    travel: TravelMatrix | None = None,
    locator: RegionLocator | None = None,
    on_scenario: Callable[[int, Scenario], None] | None = None,
    config: RuntimeConfig | None = None,
    roads: Path | None = None,
) -> Comparison:
    """Solve the day once per scenario with one seed and one budget; figures for each.

    Without an explicit `options.time_limit_s` every scenario gets the first scenario's
    policy limit (not each its own), so the budget is the same for all. Travel matrices are
    built per scenario (a policy's detour factor and speeds change them) unless `travel`
    is given; with a runtime `config` (and a `roads` flag) each scenario gets the configured
    source (road graphs, server) under its own policy, and the configured calendar.
    `on_scenario(i, scenario)` is called before each solve (progress display).
    """
    cfg = config or RuntimeConfig()
    if not scenarios:
        raise InvalidInput("scenarios: at least one policy or roster is needed to compare")
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidInput(f"scenario names: {', '.join(dupes)} given more than once")
    base = options or SolveOptions()
    limit = base.time_limit_s if base.time_limit_s is not None else scenarios[0].policy.time_limit_s
    same = SolveOptions(time_limit_s=limit, solution_limit=base.solution_limit, seed=base.seed,
                        first_solution=base.first_solution, metaheuristic=base.metaheuristic)
    results = []
    for i, scenario in enumerate(scenarios):
        if on_scenario is not None:
            on_scenario(i, scenario)
        roster = scenario.teams if scenario.teams is not None else tuple(teams)
        source = travel if travel is not None else travel_of(cfg, scenario.policy, roads)
        problem = build_day(day, visits, roster, scenario.policy, cfg, travel=source,
                            locator=locator)
        plan = solve(problem, same)
        results.append(ScenarioResult(scenario, problem, plan,
                                      scenario_kpis(problem, plan, same)))
    return Comparison(day, tuple(results), same)


def scenario_kpis(problem: Problem, plan: Plan,
                  options: SolveOptions | None = None) -> dict[str, Any]:
    """The plan contract's KPIs plus hours, overtime, workload per team and its spread.

    Utilisation statistics run over every team of the roster, idle teams included (an idle
    team next to an overloaded one is exactly the unfairness an analyst wants to see).
    `workload` gives per team the visits and the driving, service and waiting seconds.
    """
    k = plan.kpis
    out = kpis_to_dict(k)
    out["unassigned_by_reason"] = {r.value: k.unassigned_by_reason.get(r.value, 0)
                                   for r in Reason}
    shares = [float(k.utilisation.get(t.team_id, 0.0)) for t in problem.teams]
    overtime = 0
    workload: dict[str, dict[str, int]] = {}
    for t in problem.teams:
        route = plan.route(t.team_id)
        if route is None or not route.stops:
            workload[t.team_id] = {"visits": 0, "driving_s": 0, "service_s": 0, "waiting_s": 0}
            continue
        overtime += max(0, route.end_s - t.shift.end)
        workload[t.team_id] = {"visits": len(route.stops), "driving_s": route.driving_s,
                               "service_s": route.service_s, "waiting_s": route.waiting_s}
    out.update({
        "distance_km": round(k.distance_m / 1000, 3),
        "driving_h": round(k.driving_s / 3600, 3),
        "waiting_h": round(k.waiting_s / 3600, 3),
        "service_h": round(k.service_s / 3600, 3),
        "overtime_s": overtime,
        "utilisation_mean": round(statistics.fmean(shares), 4) if shares else 0.0,
        "utilisation_std": round(statistics.pstdev(shares), 4) if shares else 0.0,
        "utilisation_spread": round(max(shares) - min(shares), 4) if shares else 0.0,
        "workload": workload,
    })
    if options is not None:
        out["time_limit_s"] = options.time_limit_s
        out["seed"] = options.seed
    return out


# -- output documents -------------------------------------------------------------------------


def comparison_to_dict(comparison: Comparison) -> dict[str, Any]:
    """`{"date", "scenarios": [{"name", "policy", "kpis"}]}`: the JSON the CLI and API give."""
    return {
        "date": comparison.day.isoformat(),
        "scenarios": [
            {"name": r.scenario.name, "policy": r.plan.policy.to_mapping(),
             "teams": [t.team_id for t in r.problem.teams], "kpis": dict(r.kpis)}
            for r in comparison.results
        ],
    }


#: CSV columns: the scenario, the contract's scalar KPIs, the extras, then one per reason.
CSV_KEYS = (
    "visits_planned", "visits_unassigned", "priority_planned", "priority_total",
    "priority_share", "must_visits_planned", "must_visits_total", "distance_m", "driving_s",
    "waiting_s", "service_s", "teams_used", "solve_s", *EXTRA_KEYS,
)


def comparison_to_csv(doc: Mapping[str, Any]) -> str:
    """One row per scenario, one column per figure; `unassigned_<reason>` for every reason."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    reasons = [r.value for r in Reason]
    writer.writerow(["scenario", "policy", *CSV_KEYS, *(f"unassigned_{r}" for r in reasons)])
    for s in doc["scenarios"]:
        k = s["kpis"]
        by_reason = k.get("unassigned_by_reason", {})
        writer.writerow([s["name"], s["policy"].get("name", ""),
                         *(_cell(k.get(key)) for key in CSV_KEYS),
                         *(by_reason.get(r, 0) for r in reasons)])
    return buf.getvalue()


def _cell(value: object) -> object:
    return "" if value is None else value


#: Rows of the terminal and HTML table: (label, KPI key, format).
TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("visits planned", "visits_planned", "d"),
    ("visits unassigned", "visits_unassigned", "d"),
    ("priority covered", "priority_share", "%"),
    ("must-visits covered", "must_visits", "frac"),
    ("km", "distance_km", ".1f"),
    ("driving h", "driving_h", ".1f"),
    ("waiting h", "waiting_h", ".1f"),
    ("service h", "service_h", ".1f"),
    ("overtime min", "overtime_s", "min"),
    ("teams used", "teams_used", "d"),
    ("utilisation mean", "utilisation_mean", "%"),
    ("utilisation std dev", "utilisation_std", "%"),
    ("utilisation max−min", "utilisation_spread", "%"),
    ("solve s", "solve_s", ".1f"),
)


def table_cells(kpis: Mapping[str, Any]) -> list[str]:
    """The figures of one scenario as the table shows them (also used by the HTML report)."""
    cells = []
    for _label, key, fmt in TABLE_ROWS:
        if key == "must_visits":
            cells.append(f"{kpis['must_visits_planned']}/{kpis['must_visits_total']}")
        elif fmt == "%":
            cells.append(f"{float(kpis[key]):.1%}")
        elif fmt == "min":
            cells.append(f"{int(kpis[key]) / 60:.0f}")
        elif fmt == "d":
            cells.append(str(int(kpis[key])))
        else:
            cells.append(format(float(kpis[key]), fmt))
    return cells


def reason_rows(doc: Mapping[str, Any]) -> list[tuple[str, list[int]]]:
    """Per reason that occurs in any scenario, its count in each scenario."""
    rows = []
    for r in Reason:
        counts = [int(s["kpis"].get("unassigned_by_reason", {}).get(r.value, 0))
                  for s in doc["scenarios"]]
        if any(counts):
            rows.append((r.value, counts))
    return rows


def comparison_table(doc: Mapping[str, Any]) -> Any:
    """A rich Table: one column per scenario, one row per figure, then unassigned by reason."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"what-if for {doc.get('date', '')}")
    table.add_column("figure")
    for s in doc["scenarios"]:
        table.add_column(Text(str(s["name"])), justify="right")  # a name is text, not markup
    columns = [table_cells(s["kpis"]) for s in doc["scenarios"]]
    for row, (label, _key, _fmt) in enumerate(TABLE_ROWS):
        table.add_row(label, *(col[row] for col in columns))
    for reason, counts in reason_rows(doc):
        table.add_row(f"unassigned: {reason}", *(str(c) for c in counts))
    return table
