"""KPIs of a plan, computed from its routes and unassigned visits only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from routeplan.domain.plan import Kpis, Reason, Route, Unassigned
from routeplan.domain.problem import Problem


def compute_kpis(problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned],
                 *, warnings: Sequence[str] = (), solve_s: float = 0.0,
                 objective: int | None = None) -> Kpis:
    """Headline figures; utilisation is the share of each team's shift spent out on the route."""
    index = problem.visit_index
    routed = [problem.visits[index[s.visit_id]] for r in routes for s in r.stops]
    utilisation = {}
    for team in problem.teams:
        route = next((r for r in routes if r.team_id == team.team_id), None)
        used = route.duration_s if route is not None else 0
        utilisation[team.team_id] = round(used / team.shift.length, 4) if team.shift.length else 0.0
    by_reason = Counter(u.reason.value for u in unassigned)
    return Kpis(
        visits_planned=len(routed),
        visits_unassigned=len(unassigned),
        priority_planned=sum(v.priority for v in routed),
        priority_total=sum(v.priority for v in problem.visits),
        must_visits_planned=sum(1 for v in routed if v.must_visit),
        must_visits_total=sum(1 for v in problem.visits if v.must_visit),
        distance_m=sum(r.distance_m for r in routes),
        driving_s=sum(r.driving_s for r in routes),
        waiting_s=sum(r.waiting_s for r in routes),
        service_s=sum(r.service_s for r in routes),
        teams_used=sum(1 for r in routes if r.stops),
        utilisation=utilisation,
        unassigned_by_reason={r.value: by_reason[r.value] for r in Reason if by_reason[r.value]},
        warnings=tuple(dict.fromkeys(warnings)),
        travel_source=problem.travel.source,
        solve_s=round(solve_s, 3),
        objective=objective,
    )
