"""A second engine for the portfolio: PyVRP's iterated local search, where it models the day.

PyVRP (optional dependency, the `bench` and `dev` extras) is an order of magnitude closer
to the best-known costs than OR-Tools on the VRPTW classes (benchmarks/README.md, issue 14).
It expresses most of a screened day natively: prizes for the visits that may be dropped
(the priority penalty, so the objective is the routing model's up to a constant), required
clients for must-visits, mutually exclusive client groups for the visits of one borrower,
one load dimension for the visit cap and one for demand, and one matrix profile per team
mode and eligibility (an arc into a visit a team may not make is out of reach). Breaks
and soft company windows it does not express, so `applies` says no on such days and the
portfolio keeps them on OR-Tools.

The engine only proposes routes: `RoutingModel.restore` rebuilds them on the OR-Tools model,
which sets every time and checks every rule the model encodes, and the plan still goes
through the compliance checker like any other.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import Any

import numpy as np

from routeplan.domain.problem import Problem
from routeplan.solver.screen import Candidate

#: An arc into a visit the team may not make costs this much and takes this long.
_FORBIDDEN = 10**9
#: Above this many distinct (mode, eligibility) profiles the matrices cost more than the
#: engine gains; the day stays on OR-Tools alone.
MAX_PROFILES = 12
#: PyVRP iterations per unit of a solution budget (`SearchSettings.solution_limit`): its
#: iterations are far cheaper than an OR-Tools solution, and a budget must be repeatable.
ITERATIONS_PER_SOLUTION = 20


def available() -> bool:
    """True when PyVRP is installed."""
    return importlib.util.find_spec("pyvrp") is not None


def applies(problem: Problem, candidates: Sequence[Candidate]) -> bool:
    """True when PyVRP models this day exactly: no breaks, no soft windows, few profiles."""
    if not available() or len(candidates) < 2 or not problem.teams:
        return False
    if any(t.has_break for t in problem.teams) or any(c.soft is not None for c in candidates):
        return False
    return len({_profile_key(problem, candidates, t) for t in range(len(problem.teams))}) <= (
        MAX_PROFILES)


def _profile_key(problem: Problem, candidates: Sequence[Candidate], t: int
                 ) -> tuple[str, frozenset[int]]:
    n = len(problem.teams)
    barred = frozenset(p for p, c in enumerate(candidates) if len(c.teams) < n and t not in c.teams)
    return (str(problem.teams[t].mode), barred)


@dataclass(frozen=True, slots=True)
class _Layout:
    """How the PyVRP data maps back: vehicle type -> team indices, client -> candidate."""

    type_teams: tuple[tuple[int, ...], ...]


def build_data(problem: Problem, candidates: Sequence[Candidate], penalty: Callable[[int], int]
               ) -> tuple[Any, _Layout]:
    """PyVRP's ProblemData for the candidates; `penalty(pos)` is a visit's drop penalty."""
    import pyvrp

    travel = problem.travel
    teams = problem.teams
    depot_rows = sorted({*travel.start_node, *travel.end_node})
    depot_of = {row: k for k, row in enumerate(depot_rows)}
    rows = np.array(depot_rows + [c.node for c in candidates], dtype=np.int64)
    n_dep = len(depot_rows)
    locations = [pyvrp.Location(x=float(travel.points[r][0]) * 1e5,
                                y=float(travel.points[r][1]) * 1e5) for r in rows]
    depots = [pyvrp.Depot(location=k) for k in range(n_dep)]

    groups_of: dict[str, list[int]] = defaultdict(list)
    for pos, c in enumerate(candidates):
        groups_of[problem.visits[c.visit].borrower_id].append(pos)
    group_list = [g for g in groups_of.values() if len(g) > 1]
    group_index = {pos: gi for gi, g in enumerate(group_list) for pos in g}
    demands = [problem.visits[c.visit].demand for c in candidates]
    use_load = any(demands) or any(t.capacity is not None for t in teams)

    clients = []
    for pos, c in enumerate(candidates):
        gi = group_index.get(pos)
        # a group pays the highest member penalty once, as the routing model's disjunction
        prize = max(penalty(p) for p in group_list[gi]) if gi is not None else penalty(pos)
        required = problem.visits[c.visit].must_visit and gi is None
        delivery = [1, demands[pos]] if use_load else [1]
        clients.append(pyvrp.Client(
            location=n_dep + pos, delivery=delivery, service_duration=c.service_s,
            tw_early=c.window.start, tw_late=c.window.end - c.service_s,
            prize=0 if required else prize, required=required, group=gi))
    groups = [pyvrp.ClientGroup(g, required=any(problem.visits[candidates[p].visit].must_visit
                                                for p in g)) for g in group_list]

    profiles: dict[tuple[str, frozenset[int]], int] = {}
    matrices: list[Any] = []
    type_key: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for t, team in enumerate(teams):
        key = _profile_key(problem, candidates, t)
        if key not in profiles:
            profiles[key] = len(matrices)
            dur = np.asarray(travel.by_mode[team.mode].durations)[np.ix_(rows, rows)]
            dur = np.minimum(dur, _FORBIDDEN).astype(np.int64)
            barred = [n_dep + p for p in key[1]]
            if barred:
                dur[:, barred] = _FORBIDDEN
            np.fill_diagonal(dur, 0)
            matrices.append(np.ascontiguousarray(dur))
        cap = [problem.max_visits(team)]
        if use_load:
            cap.append(team.capacity if team.capacity is not None else sum(demands) + 1)
        type_key[(profiles[key], depot_of[travel.start_node[t]], depot_of[travel.end_node[t]],
                  team.shift.start, team.shift.end, tuple(cap))].append(t)
    vehicle_types = []
    type_teams = []
    for (profile, start, end, early, late, cap), members in type_key.items():
        vehicle_types.append(pyvrp.VehicleType(
            num_available=len(members), capacity=list(cap), start_depot=start, end_depot=end,
            tw_early=early, tw_late=late, profile=profile))
        type_teams.append(tuple(members))
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, matrices, matrices,
                             groups)
    return data, _Layout(tuple(type_teams))


#: (objective of the best plan, visits planned in it) -> stop now?
type OnBest = Callable[[int, int], bool]


class _Stop:
    """PyVRP's stopping criterion: a time or iteration budget, or the caller's stop."""

    def __init__(self, time_limit_s: float | None, max_iterations: int | None,
                 poll: Callable[[], bool]) -> None:
        self._deadline = None if time_limit_s is None else monotonic() + time_limit_s
        self._max = max_iterations
        self._poll = poll
        self._iterations = 0
        self._last_poll = 0.0

    def __call__(self, best_cost: float) -> bool:
        del best_cost
        self._iterations += 1
        if self._max is not None and self._iterations > self._max:
            return True
        now = monotonic()
        if self._deadline is not None and now >= self._deadline:
            return True
        if now - self._last_poll >= 0.2:
            self._last_poll = now
            return self._poll()
        return False


def search(problem: Problem, candidates: Sequence[Candidate], penalty: Callable[[int], int], *,
           time_limit_s: float | None, solution_limit: int | None, seed: int,
           on_best: OnBest | None = None, should_stop: Callable[[], bool] | None = None
           ) -> tuple[tuple[int, ...], ...] | None:
    """Each team's visits (candidate positions in order) in PyVRP's best feasible plan.

    With a solution limit the run is a fixed number of iterations, so it repeats for a seed;
    otherwise it runs for the time limit. None when no feasible plan was found.
    """
    import pyvrp
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks, IteratedLocalSearchParams

    data, layout = build_data(problem, candidates, penalty)

    class _Callbacks(IteratedLocalSearchCallbacks):
        def on_best(self, best: Any) -> None:
            if on_best is not None and best.is_feasible():
                stopped[0] = on_best(int(best.distance_cost() + best.uncollected_prizes()),
                                     int(best.num_clients())) or stopped[0]

    stopped = [False]

    def _poll() -> bool:
        stopped[0] = stopped[0] or bool(should_stop and should_stop())
        return stopped[0]

    iterations = None if solution_limit is None else solution_limit * ITERATIONS_PER_SOLUTION
    stop = _Stop(None if solution_limit is not None else time_limit_s, iterations, _poll)
    params = pyvrp.SolveParams(ils=IteratedLocalSearchParams(callbacks=_Callbacks()))
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, params=params)
    best = result.best
    if not best.is_feasible():
        return None
    chains: list[tuple[int, ...]] = [() for _ in problem.teams]
    free = [list(ts) for ts in layout.type_teams]
    for route in best.routes():
        team = free[route.vehicle_type()].pop(0)
        chains[team] = tuple(a.idx for a in route if a.is_client())
    return tuple(chains)
