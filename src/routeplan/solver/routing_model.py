"""The OR-Tools routing model of a screened problem: windows, shifts, breaks, caps, skills."""

from __future__ import annotations

import math
import random
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp
from ortools.util import optional_boolean_pb2

from routeplan.domain.problem import Problem
from routeplan.solver.screen import Candidate
from routeplan.solver.search import (
    RUIN_RECREATE,
    Strategy,
    base_parameters,
    ruin_parameters,
    temperature,
)

HORIZON_S = 24 * 3600
#: Seconds of cover per candidate visit a cover-then-polish search keeps at the least.
COVER_S_PER_VISIT = 0.01
#: ... but never more than this share of the budget. At 600 visits and 10 s the cover then
#: takes 53 % (91.8 h of driving; 79-87 h with 15 %); a cap of 0.35 was tried once under
#: load (88.8 / 94.2 h), too little to choose on, so the measured setting stays.
COVER_MAX = 0.75
_OFF = optional_boolean_pb2.BOOL_FALSE


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
    `ruin_slice_s`, when given, runs the ruin-and-recreate phase of a time-limited search in
    slices of about that many seconds, each going on where the previous one left off, so that
    a stop asked for through the callback takes effect between slices: OR-Tools 9.15's
    ruin-and-recreate loop heeds no limit but its own time budget. None runs it in one go
    (the CLI; and a search under a solution limit, which must repeat, never slices).
    """

    time_limit_s: float
    solution_limit: int | None = None
    first_solution: str | None = None
    metaheuristic: str | None = None
    strategy: Strategy = RUIN_RECREATE
    ruin_slice_s: float | None = None

    def __post_init__(self) -> None:
        if self.ruin_slice_s is not None and not self.ruin_slice_s > 0:
            raise ValueError(f"ruin_slice_s {self.ruin_slice_s} is not positive")

    def resolved(self) -> Strategy:
        """The strategy with any explicit first-solution or metaheuristic override."""
        s = self.strategy
        if self.first_solution is not None and self.first_solution != s.first_solution:
            s = replace(s, first_solution=self.first_solution)
        if self.metaheuristic is not None and self.metaheuristic != s.metaheuristic:
            s = replace(s, metaheuristic=self.metaheuristic)
        return s


@dataclass(frozen=True, slots=True)
class Anchoring:
    """What a re-plan keeps: each candidate's team and start in the plan teams were given.

    `teams[p]` / `starts[p]`: the team (index in the problem) and the planned start of service
    of candidate position p, None for a visit no team was told of. `move_cost` is added to
    the objective for each anchored visit served by another team or left out;
    `retime_cost_per_s` for each second its service starts more than `retime_after_s` from
    its anchored start (soft cumul bounds: on a node that already has a soft company
    window, that window's cost is kept and the anchored time is not priced).
    """

    teams: tuple[int | None, ...]
    starts: tuple[int | None, ...]
    move_cost: int
    retime_after_s: int
    retime_cost_per_s: int


#: Each team's visits in order, as positions in the candidates.
type Chains = tuple[tuple[int, ...], ...]
#: (best objective so far, solutions so far, visits planned in that best plan or None when
#: it could not be read) -> stop now?
type OnSolution = Callable[[int, int, int | None], bool]


@dataclass(slots=True)
class _Best:
    """What the callbacks of one search report: the best objective and its visit count."""

    objective: int | None = None
    planned: int | None = None
    solutions: int = 0  # in the phases and slices already finished

    def offer(self, objective: int) -> int:
        """Take a solution's objective; the best one so far."""
        if self.objective is None or objective < self.objective:
            self.objective = objective
        return self.objective


class _Walk:
    """Where the annealing stands, followed across the slices of a ruin-and-recreate run.

    OR-Tools returns a slice's best plan, not the plan its annealing holds (the reference
    solution it perturbs). Restarting every slice from the best plan kept the search near
    one local optimum (Solomon R101 ended at the same plan run after run). This walk
    applies the Metropolis rule, at the schedule's temperature, to the plans the loop
    reports, and the next slice starts from the plan it holds: a plan the annealing could
    hold at that point. Plans a slice cut short at its time limit (visits left out, at a
    high penalty) are practically never taken.
    """

    def __init__(self, temperature_now: Callable[[], float], seed: int = 0) -> None:
        self._temperature = temperature_now
        self._rng = random.Random(seed)
        self.objective: int | None = None
        self.chains: tuple[tuple[int, ...], ...] | None = None

    def offer(self, objective: int, read: Callable[[], tuple[tuple[int, ...], ...] | None]
              ) -> None:
        if self.objective is not None and objective > self.objective:
            t = self._temperature()
            if t <= 0 or self._rng.random() >= math.exp((self.objective - objective) / t):
                return
        chains = read()
        if chains is not None:
            self.objective, self.chains = objective, chains

    def forget(self) -> None:
        """Drop the plan held; the next plan offered is taken whatever its objective."""
        self.objective, self.chains = None, None


class _Model:
    """One OR-Tools model of the candidates; its visit node i stands for candidate order[i]."""

    def __init__(self, manager: Any, routing: Any, order: tuple[int, ...]) -> None:
        self.manager, self.routing, self.order = manager, routing, order
        self.time: Any = None
        self.breaks: dict[int, Any] = {}
        self.active: list[Any] = []  # each visit node's ActiveVar, to count planned visits
        self.nexts: list[Any] = []  # every NextVar, to read the plan in the callback


class RoutingModel:
    """Builds the OR-Tools model for `candidates` of `problem` and runs the search."""

    def __init__(self, problem: Problem, candidates: Sequence[Candidate], *,
                 hold: bool = False, anchoring: Anchoring | None = None) -> None:
        """`hold`: every candidate is a must-visit (the polish of a chosen set).

        `anchoring`: the price of changing a re-planned visit's team or time (`Anchoring`).
        """
        self.problem = problem
        self.candidates = tuple(candidates)
        self._hold = hold
        self._anchoring = anchoring
        self._ops_off = False  # the current model was closed without local-search operators
        self._turn = 0  # fresh models built for a locked start so far (their node order)
        self._rep = _shared_depots(problem, [c.node for c in self.candidates])
        self._depots = sorted(set(self._rep.values()))
        self.n_nodes = len(self.candidates) + len(self._depots)
        self._callback: list[Callable[[], None]] = [lambda: None]
        self._stop_requested = False
        self._limit_armed = False
        self._last_poll = 0.0
        self._poll: Callable[[], bool] = lambda: False
        self.mean_arc_cost = 1.0
        self._m = self._build(tuple(range(len(self.candidates))))

    @property
    def routing(self) -> Any:
        """The OR-Tools routing model the next (or last) search runs on."""
        return self._m.routing

    # -- model -----------------------------------------------------------------------------

    def _build(self, order: tuple[int, ...]) -> _Model:
        """A fresh OR-Tools model, its visit nodes in `order` (positions in the candidates)."""
        problem = self.problem
        teams, travel = problem.teams, problem.travel
        cands = [self.candidates[p] for p in order]
        k, n_teams = len(cands), len(teams)
        node_of = {row: k + i for i, row in enumerate(self._depots)}
        starts = [node_of[self._rep[travel.start_node[t]]] for t in range(n_teams)]
        ends = [node_of[self._rep[travel.end_node[t]]] for t in range(n_teams)]
        manager = pywrapcp.RoutingIndexManager(self.n_nodes, max(n_teams, 1), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        m = _Model(manager, routing, order)
        rows = np.array([c.node for c in cands] + self._depots, dtype=np.int64)
        service = np.array([c.service_s for c in cands] + [0] * len(self._depots),
                           dtype=np.int64)
        time_cb: dict[str, int] = {}
        cost_cb: dict[str, int] = {}
        for mode, mats in travel.by_mode.items():
            durations = np.asarray(mats.durations)[np.ix_(rows, rows)]
            durations = np.minimum(durations, 10 * HORIZON_S)
            transit = durations + service[:, None]
            time_cb[mode] = routing.RegisterTransitMatrix(transit.tolist())
            cost_cb[mode] = routing.RegisterTransitMatrix(durations.tolist())
            off_diagonal = durations[~np.eye(len(rows), dtype=bool)
                                     & (durations < 10 * HORIZON_S)]
            if off_diagonal.size:
                self.mean_arc_cost = max(self.mean_arc_cost, float(off_diagonal.mean()))
        per_vehicle_time = [time_cb[t.mode] for t in teams]
        anchoring = self._anchoring
        if anchoring is not None and anchoring.move_cost:
            # an arc into an anchored visit costs the move price on any other team: one
            # matrix per team with anchored visits (and one for all the others) per mode
            owner = np.array([-1 if anchoring.teams[p] is None else anchoring.teams[p]
                              for p in order] + [-1] * len(self._depots), dtype=np.int64)
            anchored = {int(x) for x in owner if x >= 0}
            moved_cb: dict[tuple[str, int], int] = {}
            for v, t in enumerate(teams):
                key = (t.mode, v if v in anchored else -1)
                if key not in moved_cb:
                    extra = np.where((owner >= 0) & (owner != key[1]), anchoring.move_cost, 0)
                    base = np.minimum(np.asarray(travel.by_mode[t.mode].durations)[
                        np.ix_(rows, rows)], 10 * HORIZON_S)
                    moved_cb[key] = routing.RegisterTransitMatrix(
                        (base + extra[None, :]).tolist())
                routing.SetArcCostEvaluatorOfVehicle(moved_cb[key], v)
        else:
            for v, t in enumerate(teams):
                routing.SetArcCostEvaluatorOfVehicle(cost_cb[t.mode], v)
        routing.AddDimensionWithVehicleTransits(per_vehicle_time, HORIZON_S, HORIZON_S, False,
                                                "time")
        time = routing.GetDimensionOrDie("time")
        m.time = time
        soft_cost = max(1, problem.policy.soft_cost_per_min // 60)
        for node, c in enumerate(cands):
            idx = manager.NodeToIndex(node)
            time.CumulVar(idx).SetRange(c.window.start, c.window.end - c.service_s)
            if c.soft is not None:
                time.SetCumulVarSoftLowerBound(idx, c.soft.start, soft_cost)
                time.SetCumulVarSoftUpperBound(idx, max(c.soft.start, c.soft.end - c.service_s),
                                               soft_cost)
            elif anchoring is not None and anchoring.retime_cost_per_s:
                planned = anchoring.starts[order[node]]
                if planned is not None:
                    after = anchoring.retime_after_s
                    time.SetCumulVarSoftLowerBound(idx, max(0, planned - after),
                                                   anchoring.retime_cost_per_s)
                    time.SetCumulVarSoftUpperBound(idx, planned + after,
                                                   anchoring.retime_cost_per_s)
            if len(c.teams) < len(teams):
                # SetAllowedVehiclesForIndex's SWIG binding rejects Python lists (9.15);
                # restricting the vehicle variable is equivalent (-1 = not performed).
                routing.VehicleVar(idx).SetValues([-1, *c.teams])
        for v, t in enumerate(teams):
            time.CumulVar(routing.Start(v)).SetRange(t.shift.start, t.shift.end)
            time.CumulVar(routing.End(v)).SetRange(t.shift.start, t.shift.end)

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
                    m.breaks[v] = iv

        n_depots = self.n_nodes - k
        count_cb = routing.RegisterUnaryTransitVector([1] * k + [0] * n_depots)
        routing.AddDimensionWithVehicleCapacity(
            count_cb, 0, [problem.max_visits(t) for t in teams], True, "visits")
        demands = [problem.visits[c.visit].demand for c in cands]
        if any(demands) or any(t.capacity is not None for t in teams):
            load_cb = routing.RegisterUnaryTransitVector(demands + [0] * n_depots)
            caps = [t.capacity if t.capacity is not None else sum(demands) + 1 for t in teams]
            routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, True, "load")

        groups: dict[str, list[int]] = defaultdict(list)
        for node, c in enumerate(cands):
            groups[problem.visits[c.visit].borrower_id].append(node)
        for nodes in groups.values():
            penalty = max(self._penalty(order[n]) for n in nodes)
            routing.AddDisjunction([manager.NodeToIndex(n) for n in nodes], penalty, 1)

        for v in range(len(teams)):
            routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        for node in range(k):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(manager.NodeToIndex(node)))
        for v in range(len(teams)):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        m.active = [routing.ActiveVar(manager.NodeToIndex(node)) for node in range(k)]
        m.nexts = [routing.NextVar(index) for index in range(routing.Size())]

        # OR-Tools keeps the first callback for good; each solve swaps in its own through
        # _dispatch. Stopping from inside the solution callback aborts OR-Tools 9.15 (a CHECK
        # in the interval code): a search limit polled by the solver itself ends the GLS
        # phase cleanly with the best so far. The 9.15 ruin-and-recreate loop runs on past
        # limits, CancelSearch and UpdateTimeLimit alike, and a limit that fires inside it
        # can abort the process in the same CHECK on days with breaks (300 visits), so the
        # limit is armed only outside that loop: a stop asked for during it takes effect at
        # the end of its run, which `SearchSettings.ruin_slice_s` keeps short.
        # through weak references: OR-Tools holds its callbacks for good, and a bound method
        # would keep this object, and so every model it built, alive (a leak of ~30 MB/s
        # once the polish built many small models)
        routing.AddAtSolutionCallback(_weakly(self, RoutingModel._dispatch, None))
        routing.AddSearchMonitor(routing.solver().CustomLimit(
            _weakly(self, RoutingModel._limit_reached, True)))
        return m

    def penalty(self, pos: int) -> int:
        """What leaving candidate `pos` out costs in the objective."""
        return self._penalty(pos)

    def restore(self, chains: tuple[tuple[int, ...], ...]) -> SearchOutcome:
        """Routes found elsewhere (candidate positions per team) as a plan of this model.

        The routes are read into a fresh model, whose restore sets every time and break and
        fails on a route the model does not allow; the outcome has no plan then.
        """
        m = self._build(tuple(range(len(self.candidates))))
        self._m = m
        self._callback[0] = lambda: None  # the restore is no solution to report
        self._limit_armed = False
        m.routing.CloseModel()
        solution = m.routing.ReadAssignmentFromRoutes(self._indices(chains, m), True)
        if solution is None:
            return SearchOutcome((), None, "fail", 0)
        return self._outcome(m.routing.solver().Assignment(solution), m, 0)

    def _penalty(self, pos: int) -> int:
        visit = self.problem.visits[self.candidates[pos].visit]
        policy = self.problem.policy
        if visit.must_visit or self._hold:
            return policy.must_visit_penalty
        extra = 0
        a = self._anchoring
        if a is not None and a.teams[pos] is not None:
            extra = a.move_cost  # leaving out a visit a team was told of is a change too
        return visit.priority * policy.priority_weight + extra

    def search_from(self, settings: SearchSettings, start: Chains,
                    on_solution: OnSolution | None = None) -> SearchOutcome:
        """A descent and GLS from `start` (candidate positions per team): a re-plan's search.

        `start` counts as a plan of its own: the search returns it when it finds nothing
        better, or when the model does not allow it (then from a first solution).
        """
        best = _Best()
        report: OnSolution = on_solution or (lambda *_: False)
        params = base_parameters(replace(settings.resolved(), metaheuristic="GUIDED_LOCAL_SEARCH"),
                                 settings.time_limit_s, settings.solution_limit)
        self._m = self._build(tuple(range(len(self.candidates))))
        self._ops_off = False
        self.routing.CloseModelWithParameters(params)
        done: list[SearchOutcome] = []
        first = self.routing.ReadAssignmentFromRoutes(self._indices(start), True)
        if first is not None:
            first = self.routing.solver().Assignment(first)
            done.append(self._outcome(first, self._m, 0))
            self._reached(first, report, best)
        solution = self._solve(params, report, best, start=first)
        self._reached(solution, report, best)
        if solution is not None:
            done.append(self._outcome(solution, self._m, 0))
        if not done:
            return self._outcome(None, self._m, best.solutions)
        return self._best_of(done, best.solutions)

    # -- search ----------------------------------------------------------------------------

    def search(self, settings: SearchSettings, on_solution: OnSolution | None = None,
               start: Chains | None = None) -> SearchOutcome:
        """Run the strategy: ruin-and-recreate ILS, the held-set polish, then a GLS.

        Budgets: each phase gets its share of the time limit and, when a solution limit
        is given, that limit; a stop asked for by `on_solution` ends every phase. `start`
        (candidate positions per team) is where the ILS begins instead of a first solution.
        """
        strategy = settings.resolved()
        began = monotonic()
        stopped = [False]
        best = _Best()

        def _stop_after(objective: int, count: int, planned: int | None) -> bool:
            if on_solution is not None and on_solution(objective, count, planned):
                stopped[0] = True
            return stopped[0]

        polish = strategy.polish_share if len(self.problem.teams) > 1 else 0.0
        ruin = strategy.ruin_share if polish else min(
            1.0, strategy.ruin_share + strategy.polish_share)
        if polish and settings.solution_limit is None:
            # a short budget for many visits: the cover needs its time to choose them (the
            # parts of a 5,000-visit day got ~4 s for ~200 visits and planned less priority)
            cover = min(COVER_MAX, COVER_S_PER_VISIT * len(self.candidates) / settings.time_limit_s)
            if cover > ruin:
                polish *= (1.0 - cover) / (1.0 - ruin)
                ruin = cover
        first: Any = None
        first_model = self._m
        done: list[SearchOutcome] = []  # finished plans of the earlier phases
        gls_from: Chains | None = None  # a plan the GLS starts from on a fresh model
        if ruin > 0.0 and len(self.candidates) > 1:
            first = self._ruin(strategy, settings.time_limit_s * ruin, settings, _stop_after,
                               best, stopped, start)
            first_model = self._m
            if first is None and polish and not stopped[0]:
                # the cover's share ran out before its first solution (a large day under
                # load): the polish still needs a plan to start from
                first = self._first_plan(strategy, settings, began, _stop_after, best)
                first_model = self._m
            if first is not None and self._ops_off:
                # the loop closed its model without local-search operators; GLS needs them
                gls_from = self._chains(first, first_model)
            if polish and first is not None and not stopped[0]:
                # the polish starts from this plan and keeps it if it finds nothing better
                gls_from = self._polish(self._chains(first, first_model),
                                        int(first.ObjectiveValue()), strategy, settings,
                                        settings.time_limit_s * polish, _stop_after, best)
                if any(stopped):  # the polish heard a stop (mypy keeps stopped[0] False)
                    done.append(self.restore(gls_from))
            if stopped[0]:
                if first is not None and not done:
                    done.append(self._outcome(*self._settled(first, first_model), 0))
                return self._best_of(done, best.solutions)
        # what the earlier phases left of the wall-clock budget (all of it if none ran)
        rest = settings.time_limit_s - (monotonic() - began)
        if polish and gls_from is not None and strategy.trade_ils:
            return self._trade(gls_from, strategy, settings, max(rest, 0.05), _stop_after,
                               best, done)
        params = base_parameters(strategy, max(rest, 0.05), settings.solution_limit)
        gls_start = first
        if gls_from is not None:
            self._m = self._build(first_model.order)
            self.routing.CloseModelWithParameters(params)
            gls_start = self.routing.ReadAssignmentFromRoutes(self._indices(gls_from), True)
            if gls_start is not None:
                # the plan as the earlier phases left it counts whatever the GLS does: a GLS
                # cut short by the clock returned nothing (seen under load at 600 visits)
                gls_start = self.routing.solver().Assignment(gls_start)
                done.append(self._outcome(gls_start, self._m, 0))
        if gls_start is not None or first is None:
            second = self._solve(params, _stop_after, best, start=gls_start)
            self._reached(second, _stop_after, best)
            if second is not None:
                done.append(self._outcome(second, self._m, 0))
        if first is not None and (not done or min(
                o.objective if o.objective is not None else first.ObjectiveValue() + 1
                for o in done) > first.ObjectiveValue()):
            done.append(self._outcome(*self._settled(first, first_model), 0))
        if not done:
            return self._outcome(None, self._m, best.solutions)
        return self._best_of(done, best.solutions)

    def improve(self, start: Chains, settings: SearchSettings) -> tuple[Chains, int] | None:
        """Ruin-and-recreate from `start` alone: the best plan's chains and objective.

        No GLS and no times: the polish reads only which visits go where, and what it costs.
        None when the start could not be locked in.
        """
        strategy = settings.resolved()
        params = ruin_parameters(strategy, settings.time_limit_s, settings.solution_limit,
                                 self.mean_arc_cost)
        if not self._lock(start, params):
            return None
        solution = self._solve(params, lambda *_: False, _Best())
        if solution is None:
            return None
        return self._chains(solution, self._m), int(solution.ObjectiveValue())

    def _trade(self, chains: Chains, strategy: Strategy, settings: SearchSettings,
               budget: float, on_solution: OnSolution, best: _Best,
               done: list[SearchOutcome]) -> SearchOutcome:
        """The last phase: ruin-and-recreate on the whole day from the polished plan.

        Its recreate also inserts visits left out, into routes the polish made shorter;
        it runs on the cold end of the cooling schedule, and the polished plan counts too.
        """
        began = monotonic()
        done.append(self.restore(chains))
        params = ruin_parameters(strategy, budget * 0.4, settings.solution_limit,
                                 self.mean_arc_cost, span=(0.6, 1.0))
        if self._lock(chains, params):
            traded = self._solve(params, on_solution, best)
            self._reached(traded, on_solution, best)
            if traded is not None and traded.ObjectiveValue() < (done[-1].objective or 0):
                # the visits it traded in have routes of their own to polish
                again = self._polish(self._chains(traded, self._m), int(traded.ObjectiveValue()),
                                     strategy, settings,
                                     max(0.05, budget - (monotonic() - began) - 0.3),
                                     on_solution, best)
                done.append(self.restore(again))
        return self._best_of(done, best.solutions)

    def _first_plan(self, strategy: Strategy, settings: SearchSettings, began: float,
                    on_solution: OnSolution, best: _Best) -> Any:
        """The strategy's first solution alone, on a fresh model, in half the time left."""
        rest = settings.time_limit_s - (monotonic() - began)
        params = base_parameters(replace(strategy, metaheuristic="GREEDY_DESCENT"),
                                 max(0.1, rest / 2), 1)
        self._m = self._build(self._m.order)
        self._ops_off = False
        solution = self._solve(params, on_solution, best)
        self._reached(solution, on_solution, best)
        return solution

    @staticmethod
    def _best_of(outcomes: list[SearchOutcome], solutions: int) -> SearchOutcome:
        """The plan of lowest objective (ties: the later phase), with the solution count."""
        ranked = [o for o in outcomes if o.objective is not None]
        if not ranked:
            return replace(outcomes[-1], solutions=solutions)
        low = min(o.objective for o in ranked if o.objective is not None)
        chosen = [o for o in ranked if o.objective == low][-1]
        return replace(chosen, solutions=solutions)

    def _ruin(self, strategy: Strategy, budget: float, settings: SearchSettings,
              on_solution: OnSolution, best: _Best, stopped: list[bool],
              start: Chains | None) -> Any:
        """The ruin-and-recreate phase, in one run or in slices; its best solution or None."""
        if settings.ruin_slice_s is not None and settings.solution_limit is None:
            return self._ruin_in_slices(strategy, budget, settings.ruin_slice_s, on_solution,
                                        best, stopped, start)
        params = ruin_parameters(strategy, budget, settings.solution_limit, self.mean_arc_cost)
        if start is not None and not self._lock(start, params):
            self._m = self._build(self._m.order)  # not seen; from a first solution then
            self._ops_off = False
        solution = self._solve(params, on_solution, best)
        self._reached(solution, on_solution, best)
        return solution

    def _lock(self, chains: Chains, params: Any) -> bool:
        """A fresh model closed for `params`, whose first solution is `chains`.

        No descent before the loop: the plan is a search result already, and a descent
        would take a good part of a short run; the operators are off on this model.
        """
        self._m = self._build(_shuffled(len(self.candidates), self._turn))
        self._turn += 1
        for field in params.local_search_operators.DESCRIPTOR.fields:
            setattr(params.local_search_operators, field.name, _OFF)
        self._ops_off = True
        self.routing.CloseModelWithParameters(params)
        return bool(self.routing.ApplyLocksToAllVehicles(self._indices(chains), True))

    def _polish(self, chains: Chains, objective: int, strategy: Strategy,
                settings: SearchSettings, budget: float, on_solution: OnSolution,
                best: _Best) -> Chains:
        """`chains` with less driving for the same visits (see `routeplan.solver.polish`)."""
        from routeplan.solver.polish import polish_routes

        base = best.solutions

        def _report(value: int, count: int, planned: int | None) -> bool:
            lowest = best.offer(value)
            if lowest == value:
                best.planned = planned
            return on_solution(lowest, base + count, best.planned)

        polished = polish_routes(self.problem, self.candidates, chains, objective, strategy,
                                 time_limit_s=budget, solution_limit=settings.solution_limit,
                                 on_solution=_report)
        best.solutions += polished.solutions
        return polished.chains

    def _settled(self, solution: Any, m: _Model) -> tuple[Any, _Model]:
        """A ruin-and-recreate solution with every variable bound, on a fresh model.

        The loop leaves some variables of the plans it returns unbound (the start of a
        break, some times), and reading one aborts the process: the routes are restored on
        a new model, whose restore runs the finalizer that sets them.
        """
        if solution is None:
            return None, m
        chains = self._chains(solution, m)
        fresh = self._build(m.order)
        self._callback[0] = lambda: None  # the restore is no solution to report
        self._limit_armed = False  # nor one a stop asked for earlier may cut short
        fresh.routing.CloseModel()
        restored = fresh.routing.ReadAssignmentFromRoutes(self._indices(chains, fresh), True)
        if restored is None:  # not seen; the plan as it is then
            return solution, m
        return fresh.routing.solver().Assignment(restored), fresh

    def _ruin_in_slices(self, strategy: Strategy, budget: float, slice_s: float,
                        on_solution: OnSolution, best: _Best, stopped: list[bool],
                        start: Chains | None = None) -> Any:
        """Ruin-and-recreate in runs of about `slice_s` seconds; the best solution found.

        A stop is checked between slices. Each slice takes its part of one cooling schedule
        and continues the annealing where the previous one left it (see `_Walk`). OR-Tools
        9.15 runs the ILS loop once per model (a second run starts under the first run's
        spent limit and finds nothing), and a first-solution hint is not where its loop
        starts, so each slice gets a fresh model on which its starting plan is locked in as
        the first solution. The visit nodes of each new model come in another (seeded)
        order: the loop draws from one fixed random sequence, and renumbering keeps slices
        that start from the same plan from repeating each other. `start`, when given, is
        where the first slice begins.
        """
        began = monotonic()
        walk = _Walk(lambda: temperature(strategy, self.mean_arc_cost,
                                         (monotonic() - began) / budget))
        kept: Any = None
        kept_model = self._m
        pending = start
        while not stopped[0]:
            at = monotonic() - began
            left = budget - at
            if left < 0.05:
                break
            length = left if left < 1.5 * slice_s else slice_s
            params = ruin_parameters(strategy, length, None, self.mean_arc_cost,
                                     span=(at / budget, min(1.0, (at + length) / budget)))
            if kept is not None:
                pending = walk.chains if walk.chains is not None else self._chains(
                    kept, kept_model)
            if pending is not None and not self._lock(pending, params):
                break
            solution = self._solve(params, on_solution, best, walk=walk)
            if solution is None:
                if kept is None or walk.chains is None:
                    break
                walk.forget()  # the plan it held would not start a slice: go on from the best
            elif kept is None or solution.ObjectiveValue() < kept.ObjectiveValue():
                kept, kept_model = solution, self._m
            if best.objective is not None:
                on_solution(best.objective, best.solutions, best.planned)  # heeds a stop
        self._m = kept_model
        return kept

    def _live_chains(self, m: _Model) -> tuple[tuple[int, ...], ...] | None:
        """The plan the search holds in the solution callback of model `m`, if bound.

        In the ruin-and-recreate loop the next and active variables are bound when it calls
        back (the time variables are not: reading one aborts the process).
        """
        routing = m.routing
        nexts = m.nexts
        if not all(v.Bound() for v in nexts):
            return None
        values = [int(v.Value()) for v in nexts]
        k = len(self.candidates)
        out = []
        for v in range(len(self.problem.teams)):
            order: list[int] = []
            index = values[routing.Start(v)]
            while not routing.IsEnd(index):
                node = m.manager.IndexToNode(index)
                if node < k:
                    order.append(m.order[node])
                index = values[index]
            out.append(tuple(order))
        return tuple(out)

    def _solve(self, params: Any, on_solution: OnSolution, best: _Best,
               start: Any = None, walk: _Walk | None = None) -> Any:
        """One OR-Tools search on the current model; its best solution (kept) or None."""
        routing = self.routing
        m = self._m
        count = [0]

        def _at_solution() -> None:
            count[0] += 1
            objective = int(routing.CostVar().Max())
            improved = best.objective is None or objective < best.objective
            lowest = best.offer(objective)
            if improved and all(v.Bound() for v in m.active):
                best.planned = sum(int(v.Value()) for v in m.active)
            if walk is not None:
                walk.offer(objective, lambda: self._live_chains(m))
            if on_solution(lowest, best.solutions + count[0], best.planned):
                self._stop_requested = True

        self._callback[0] = _at_solution

        def _poll() -> bool:  # between solutions too: an ILS phase may go long without one
            return (count[0] > 0 and best.objective is not None
                    and on_solution(best.objective, best.solutions + count[0], best.planned))

        self._poll = _poll
        self._limit_armed = not params.use_iterated_local_search
        if params.use_iterated_local_search:
            # SolveWithParameters ignores the ILS flag; this entry point runs the ILS loop
            solution = routing.SolveWithIteratedLocalSearch(params)
        elif start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
        else:
            solution = routing.SolveWithParameters(params)
        best.solutions += count[0]
        if solution is not None:
            # keep it beyond the next solve, which reuses the solver's own assignment
            solution = routing.solver().Assignment(solution)
        return solution

    def _reached(self, solution: Any, on_solution: OnSolution, best: _Best) -> None:
        """Report the plan a phase ended with (and heed a stop asked for meanwhile)."""
        if solution is None:
            return
        chains = self._chains(solution, self._m)
        objective = int(solution.ObjectiveValue())
        lowest = best.offer(objective)
        if lowest == objective:
            best.planned = sum(len(c) for c in chains)
        on_solution(lowest, best.solutions, best.planned)

    def _limit_reached(self) -> bool:
        """Polled by OR-Tools during the search; asks the caller at most every 0.2 s."""
        if not self._limit_armed:
            return False
        if not self._stop_requested:
            now = monotonic()
            if now - self._last_poll >= 0.2:
                self._last_poll = now
                self._stop_requested = self._poll()
        return self._stop_requested

    def _dispatch(self) -> None:
        self._callback[0]()

    def _chains(self, solution: Any, m: _Model) -> tuple[tuple[int, ...], ...]:
        """Each team's visits in `solution` of model `m`, as positions in the candidates."""
        routing, manager = m.routing, m.manager
        k = len(self.candidates)
        out = []
        for v in range(len(self.problem.teams)):
            order: list[int] = []
            index = solution.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node < k:
                    order.append(m.order[node])
                index = solution.Value(routing.NextVar(index))
            out.append(tuple(order))
        return tuple(out)

    def _indices(self, chains: tuple[tuple[int, ...], ...], m: _Model | None = None
                 ) -> list[list[int]]:
        """`chains` (candidate positions per team) as routing indices of `m` (or the current)."""
        m = m or self._m
        node_of = {pos: node for node, pos in enumerate(m.order)}
        manager = m.manager
        return [[manager.NodeToIndex(node_of[pos]) for pos in chain] for chain in chains]

    def _outcome(self, solution: Any, m: _Model, solutions: int) -> SearchOutcome:
        status = _status_name(m.routing.status())
        if solution is None:
            return SearchOutcome((), None, status, solutions)
        return SearchOutcome(self._read(solution, m), int(solution.ObjectiveValue()), status,
                             solutions)

    def _read(self, solution: pywrapcp.Assignment, m: _Model) -> tuple[VehicleRoute, ...]:
        routing, manager, time = m.routing, m.manager, m.time
        k = len(self.candidates)
        break_start: dict[int, int] = {}
        if m.breaks:
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
                    order.append(m.order[node])
                    starts.append(int(solution.Value(time.CumulVar(index))))
                index = solution.Value(routing.NextVar(index))
            ret = int(solution.Value(time.CumulVar(index)))
            out.append(VehicleRoute(v, tuple(order), tuple(starts), depart, ret,
                                    break_start.get(v)))
        return tuple(out)


def _weakly[T](model: RoutingModel, method: Callable[[RoutingModel], T], gone: T
              ) -> Callable[[], T]:
    """`method` of `model` as a callback that does not keep `model` alive (`gone` after)."""
    ref = weakref.ref(model)

    def call() -> T:
        target = ref()
        return gone if target is None else method(target)

    return call


def _shuffled(n: int, turn: int) -> tuple[int, ...]:
    """A seeded order of `n` positions, a different one for each slice."""
    order = list(range(n))
    random.Random(turn).shuffle(order)
    return tuple(order)


def _shared_depots(problem: Problem, visit_rows: Sequence[int]) -> dict[int, int]:
    """Each team start or end matrix row -> the row that stands for it, one per distinct place.

    Teams that start (or end) at the same place share one routing node, so identical teams
    fall into one OR-Tools vehicle class: insertion heuristics then try one empty team per
    class instead of every idle team, and GLS and the operators treat them as equivalent.
    Two rows are merged only when their point and every travel time to and from the model's
    other rows are the same.
    """
    travel = problem.travel
    cols = [*visit_rows, *travel.start_node, *travel.end_node]
    mats = [np.asarray(m.durations) for m in travel.by_mode.values()]
    rep: dict[int, int] = {}
    kept: list[int] = []
    for row in cols[len(visit_rows):]:
        if row in rep:
            continue
        rep[row] = row
        for other in kept:
            if travel.points[other] == travel.points[row] and all(
                    np.array_equal(m[row, cols], m[other, cols])
                    and np.array_equal(m[cols, row], m[cols, other]) for m in mats):
                rep[row] = other
                break
        if rep[row] == row:
            kept.append(row)
    return rep


def _status_name(code: int) -> str:
    names = {0: "not_solved", 1: "success", 2: "fail", 3: "fail_timeout", 4: "invalid",
             5: "infeasible", 6: "optimal"}
    return names.get(int(code), str(code))
