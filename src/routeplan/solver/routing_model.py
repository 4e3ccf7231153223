"""The OR-Tools routing model of a screened problem: windows, shifts, breaks, caps, skills."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from routeplan.model.problem import Problem
from routeplan.solver.screen import Candidate
from routeplan.solver.search import RUIN_RECREATE, Strategy, base_parameters, ruin_parameters

HORIZON_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class VehicleRoute:
    """What the search decided for one team: candidate positions in order, and times."""

    team: int
    order: tuple[int, ...]  # indices into the candidates list
    starts: tuple[int, ...]  # service start per stop (cumul values)
    depart_s: int
    return_s: int
    break_start: int | None


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    routes: tuple[VehicleRoute, ...]
    objective: int | None
    status: str
    solutions: int


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """How to search: time and solution budgets, and the recipe. Repeatable without a time limit.

    `first_solution` and `metaheuristic`, when given, override the strategy's own.
    """

    time_limit_s: float
    solution_limit: int | None = None
    first_solution: str | None = None
    metaheuristic: str | None = None
    strategy: Strategy = RUIN_RECREATE

    def resolved(self) -> Strategy:
        """The strategy with any explicit first-solution or metaheuristic override."""
        s = self.strategy
        if self.first_solution is not None and self.first_solution != s.first_solution:
            s = replace(s, first_solution=self.first_solution)
        if self.metaheuristic is not None and self.metaheuristic != s.metaheuristic:
            s = replace(s, metaheuristic=self.metaheuristic)
        return s


type OnSolution = Callable[[int, int], bool]  # (objective, solutions so far) -> stop now?


class RoutingModel:
    """Builds the OR-Tools model for `candidates` of `problem` and runs the search."""

    def __init__(self, problem: Problem, candidates: Sequence[Candidate]) -> None:
        self.problem = problem
        self.candidates = tuple(candidates)
        teams = problem.teams
        k, n_teams = len(self.candidates), len(teams)
        self.n_nodes = k + 2 * n_teams
        starts = [k + t for t in range(n_teams)]
        ends = [k + n_teams + t for t in range(n_teams)]
        self.manager = pywrapcp.RoutingIndexManager(self.n_nodes, max(n_teams, 1), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        travel = problem.travel
        rows = np.array(
            [c.node for c in self.candidates] + list(travel.start_node) + list(travel.end_node),
            dtype=np.int64,
        )
        service = np.array([c.service_s for c in self.candidates] + [0] * (2 * n_teams),
                           dtype=np.int64)
        self._callback: list[Callable[[], None]] = [lambda: None]
        self._callback_added = False
        self.mean_arc_cost = 1.0
        self._build(rows, service)

    # -- model -----------------------------------------------------------------------------

    def _build(self, rows: np.ndarray, service: np.ndarray) -> None:
        problem, routing, manager = self.problem, self.routing, self.manager
        teams = problem.teams
        k = len(self.candidates)
        time_cb: dict[str, int] = {}
        cost_cb: dict[str, int] = {}
        for mode, mats in problem.travel.by_mode.items():
            travel = np.asarray(mats.durations)[np.ix_(rows, rows)]
            travel = np.minimum(travel, 10 * HORIZON_S)
            transit = travel + service[:, None]
            time_cb[mode] = routing.RegisterTransitMatrix(transit.tolist())
            cost_cb[mode] = routing.RegisterTransitMatrix(travel.tolist())
            off_diagonal = travel[~np.eye(len(rows), dtype=bool) & (travel < 10 * HORIZON_S)]
            if off_diagonal.size:
                self.mean_arc_cost = max(self.mean_arc_cost, float(off_diagonal.mean()))
        per_vehicle_time = [time_cb[t.mode] for t in teams]
        for v, t in enumerate(teams):
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[t.mode], v)
        routing.AddDimensionWithVehicleTransits(per_vehicle_time, HORIZON_S, HORIZON_S, False,
                                                "time")
        time = routing.GetDimensionOrDie("time")
        self.time = time
        soft_cost = max(1, problem.policy.soft_cost_per_min // 60)
        for pos, c in enumerate(self.candidates):
            idx = manager.NodeToIndex(pos)
            time.CumulVar(idx).SetRange(c.window.start, c.window.end - c.service_s)
            if c.soft is not None:
                time.SetCumulVarSoftLowerBound(idx, c.soft.start, soft_cost)
                time.SetCumulVarSoftUpperBound(idx, max(c.soft.start, c.soft.end - c.service_s),
                                               soft_cost)
            if len(c.teams) < len(teams):
                # SetAllowedVehiclesForIndex's SWIG binding rejects Python lists (9.15);
                # restricting the vehicle variable is equivalent (-1 = not performed).
                routing.VehicleVar(idx).SetValues([-1, *c.teams])
        for v, t in enumerate(teams):
            time.CumulVar(routing.Start(v)).SetRange(t.shift.start, t.shift.end)
            time.CumulVar(routing.End(v)).SetRange(t.shift.start, t.shift.end)

        self.breaks: dict[int, pywrapcp.IntervalVar] = {}
        if any(t.has_break for t in teams):
            visit_transit = [0] * routing.Size()
            for index in range(routing.Size()):
                node = manager.IndexToNode(index)
                visit_transit[index] = int(service[node]) if node < k else 0
            solver = routing.solver()
            for v, t in enumerate(teams):
                if t.has_break and t.break_window is not None:
                    iv = solver.FixedDurationIntervalVar(
                        t.break_window.start, t.break_window.end, t.break_s, False, f"break:{v}")
                    time.SetBreakIntervalsOfVehicle([iv], v, visit_transit)
                    self.breaks[v] = iv

        count_cb = routing.RegisterUnaryTransitVector([1] * k + [0] * (2 * len(teams)))
        routing.AddDimensionWithVehicleCapacity(
            count_cb, 0, [problem.max_visits(t) for t in teams], True, "visits")
        demands = [problem.visits[c.visit].demand for c in self.candidates]
        if any(demands) or any(t.capacity is not None for t in teams):
            load_cb = routing.RegisterUnaryTransitVector(demands + [0] * (2 * len(teams)))
            caps = [t.capacity if t.capacity is not None else sum(demands) + 1 for t in teams]
            routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, True, "load")

        policy = problem.policy
        groups: dict[str, list[int]] = defaultdict(list)
        for pos, c in enumerate(self.candidates):
            groups[problem.visits[c.visit].borrower_id].append(pos)
        for positions in groups.values():
            penalty = max(self._penalty(p) for p in positions)
            routing.AddDisjunction([manager.NodeToIndex(p) for p in positions], penalty, 1)
        del policy

        for v in range(len(teams)):
            routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        for pos in range(k):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(manager.NodeToIndex(pos)))
        for v in range(len(teams)):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))

    def _penalty(self, pos: int) -> int:
        visit = self.problem.visits[self.candidates[pos].visit]
        policy = self.problem.policy
        if visit.must_visit:
            return policy.must_visit_penalty
        return visit.priority * policy.priority_weight

    # -- search ----------------------------------------------------------------------------

    def search(self, settings: SearchSettings, on_solution: OnSolution | None = None
               ) -> SearchOutcome:
        """Run the strategy: optional ruin-and-recreate ILS, then its metaheuristic.

        Budgets: each phase gets its share of the time limit and, when a solution limit
        is given, that limit; a stop asked for by `on_solution` ends every phase.
        """
        strategy = settings.resolved()
        began = monotonic()
        stopped = [False]
        best = [0]

        def _stop_after(objective: int, count: int) -> bool:
            if on_solution is not None and on_solution(objective, count):
                stopped[0] = True
            return stopped[0]

        total = [0]
        first: Any = None
        if strategy.ruin_share > 0.0 and len(self.candidates) > 1:
            params = ruin_parameters(strategy, settings.time_limit_s * strategy.ruin_share,
                                     settings.solution_limit, self.mean_arc_cost)
            first, n = self._solve(params, _stop_after, best)
            total[0] += n
            if stopped[0]:
                return self._outcome(first, total[0])
        # what the first phase left of the wall-clock budget (all of it if it did not run)
        rest = settings.time_limit_s - (monotonic() - began)
        params = base_parameters(strategy, max(rest, 0.05), settings.solution_limit)
        second, n = self._solve(params, _stop_after, best, start=first)
        total[0] += n
        final = second
        if first is not None and (second is None
                                  or first.ObjectiveValue() < second.ObjectiveValue()):
            final = first
        return self._outcome(final, total[0])

    def _solve(self, params: Any, on_solution: OnSolution, best: list[int],
               start: Any = None) -> tuple[Any, int]:
        routing = self.routing
        count = [0]

        def _at_solution() -> None:
            count[0] += 1
            objective = int(routing.CostVar().Max())
            if best[0] == 0 or objective < best[0]:
                best[0] = objective
            if on_solution(best[0], count[0]):
                routing.solver().FinishCurrentSearch()

        if not self._callback_added:
            routing.AddAtSolutionCallback(self._dispatch)
            self._callback_added = True
        self._callback[0] = _at_solution
        if params.use_iterated_local_search:
            # SolveWithParameters ignores the ILS flag; this entry point runs the ILS loop
            solution = routing.SolveWithIteratedLocalSearch(params)
        elif start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
        else:
            solution = routing.SolveWithParameters(params)
        if solution is not None:
            # keep it beyond the next solve, which reuses the solver's own assignment
            kept = routing.solver().Assignment(solution)
            solution = kept
        return solution, count[0]

    def _dispatch(self) -> None:
        # OR-Tools keeps the first callback for good; each solve swaps in its own
        self._callback[0]()

    def _outcome(self, solution: Any, solutions: int) -> SearchOutcome:
        status = _status_name(self.routing.status())
        if solution is None:
            return SearchOutcome((), None, status, solutions)
        return SearchOutcome(self._read(solution), int(solution.ObjectiveValue()), status,
                             solutions)

    def _read(self, solution: pywrapcp.Assignment) -> tuple[VehicleRoute, ...]:
        routing, manager, time = self.routing, self.manager, self.time
        k = len(self.candidates)
        break_start: dict[int, int] = {}
        if self.breaks:
            intervals = solution.IntervalVarContainer()
            for i in range(intervals.Size()):
                el = intervals.Element(i)
                name = el.Var().Name()
                if name.startswith("break:") and el.PerformedValue():
                    break_start[int(name.split(":")[1])] = int(el.StartValue())
        out = []
        for v in range(len(self.problem.teams)):
            index = routing.Start(v)
            depart = int(solution.Value(time.CumulVar(index)))
            order: list[int] = []
            starts: list[int] = []
            index = solution.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node < k:
                    order.append(node)
                    starts.append(int(solution.Value(time.CumulVar(index))))
                index = solution.Value(routing.NextVar(index))
            ret = int(solution.Value(time.CumulVar(index)))
            out.append(VehicleRoute(v, tuple(order), tuple(starts), depart, ret,
                                    break_start.get(v)))
        return tuple(out)


def _status_name(code: int) -> str:
    names = {0: "not_solved", 1: "success", 2: "fail", 3: "fail_timeout", 4: "invalid",
             5: "infeasible", 6: "optimal"}
    return names.get(int(code), str(code))
