"""solve(problem) -> Plan: screen, search with OR-Tools, assemble, explain and check."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from routeplan.domain.errors import InvalidInput
from routeplan.domain.kpis import compute_kpis
from routeplan.domain.plan import BreakSlot, Plan, Reason, Route, Stop, Unassigned
from routeplan.domain.problem import Problem
from routeplan.rules import reasons
from routeplan.rules.compliance import assert_compliant
from routeplan.rules.reasons import Explanation
from routeplan.solver import pyvrp_engine
from routeplan.solver.portfolio import run_portfolio
from routeplan.solver.routing_model import SearchSettings, VehicleRoute
from routeplan.solver.screen import Candidate, screen
from routeplan.solver.search import PORTFOLIO, PORTFOLIO_PYVRP, STRATEGIES


@dataclass(frozen=True, slots=True)
class Progress:
    """What a long solve reports while it runs.

    `planned` is the number of visits in the best plan so far (None while unknown: a
    decomposed day reports only when its parts are joined); the last report of a solve
    gives the finished plan's count.
    """

    elapsed_s: float
    objective: int
    solutions: int
    planned: int | None = None


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Search budget and strategy. With `solution_limit` instead of time pressure, runs repeat.

    `strategy` names a recipe of `routeplan.solver.search.STRATEGIES`; None runs the
    portfolio (`search.PORTFOLIO`: cover-then-polish here, the same with larger ruins in a
    second process; on a day PyVRP models, `search.PORTFOLIO_PYVRP`: PyVRP here and
    cover-then-polish in the second) when `workers` allows it, else cover-then-polish alone.
    `workers` None means two when the machine has two cores, this is not already a worker
    process, and the budget is a time limit of at least `PORTFOLIO_MIN_S` seconds, else one.
    `first_solution` and `metaheuristic` override the recipe's own (e.g.
    "PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH").
    """

    time_limit_s: float | None = None  # None: the policy's
    solution_limit: int | None = None
    seed: int = 0
    first_solution: str | None = None
    metaheuristic: str | None = None
    strategy: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.strategy is not None and self.strategy not in STRATEGIES:
            raise InvalidInput(f"strategy: {self.strategy!r} is not one of "
                               f"{', '.join(sorted(STRATEGIES))}")
        if self.workers is not None and not 1 <= self.workers <= len(PORTFOLIO):
            raise InvalidInput(f"workers: {self.workers} is not between 1 and {len(PORTFOLIO)}")


#: Seconds kept back from the time limit for assembling, explaining and checking the plan.
_RESERVE_S = 0.3
#: A portfolio pays for a process start (~1 s with OR-Tools' import); below this budget the
#: second process would mostly wait for its own start-up.
PORTFOLIO_MIN_S = 3.0
#: Below this many visits one process finds the best plan long before the limit.
PORTFOLIO_MIN_VISITS = 20
#: Seconds per ruin-and-recreate slice when the caller may stop the solve: a stop waits
#: for the end of the slice under way (see `SearchSettings.ruin_slice_s`).
STOP_SLICE_S = 1.5


def search_settings(options: SolveOptions, limit: float, n_candidates: int,
                    stoppable: bool = False, pyvrp: bool = False) -> list[SearchSettings]:
    """The strategies a solve runs, one per process, the preferred one first.

    `stoppable`: the caller may ask the solve to stop, so a time-limited search runs its
    ruin-and-recreate phase in short slices (a solution-limited one never does: it repeats).
    `pyvrp`: PyVRP models the day (`pyvrp_engine.applies`), so the portfolio's second
    process runs it instead of a second OR-Tools trajectory.
    """
    if options.strategy is not None:
        chosen = [STRATEGIES[options.strategy]]
    else:
        workers = options.workers
        if workers is None:
            # a solve inside a worker process (e.g. one part of a decomposed day on the local
            # pool) already shares the cores: it does not start processes of its own
            workers = 2 if ((os.cpu_count() or 1) >= 2 and options.solution_limit is None
                            and multiprocessing.parent_process() is None
                            and limit >= PORTFOLIO_MIN_S
                            and n_candidates >= PORTFOLIO_MIN_VISITS) else 1
        chosen = list((PORTFOLIO_PYVRP if pyvrp and workers > 1 else PORTFOLIO)[:workers])
    slice_s = STOP_SLICE_S if stoppable and options.solution_limit is None else None
    return [SearchSettings(limit, options.solution_limit, options.first_solution,
                           options.metaheuristic, strategy, slice_s) for strategy in chosen]


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """The best lawful plan found within the budget; always a plan, never a failure.

    Every plan is checked by `routeplan.rules.compliance` before it is returned.
    """
    options = options or SolveOptions()
    began = time.perf_counter()
    screening = screen(problem)
    candidates = list(screening.candidates)
    if options.seed:
        random.Random(options.seed).shuffle(candidates)
    warnings = list(problem.warnings) + list(screening.warnings)
    limit = options.time_limit_s
    if limit is None:
        limit = problem.policy.time_limit_s

    vehicle_routes: tuple[VehicleRoute, ...] = ()
    objective: int | None = None
    solutions = 0
    if candidates and problem.teams:
        def on_solution(obj: int, n: int, planned: int | None) -> bool:
            if progress is not None:
                progress(Progress(time.perf_counter() - began, obj, n, planned))
            return bool(should_stop and should_stop())

        # the limit covers the whole solve: screening so far, and assembling and checking
        # the plan afterwards (a small reserve)
        left = limit - (time.perf_counter() - began) - _RESERVE_S
        budget = max(0.1, left) if options.solution_limit is None else limit
        settings = search_settings(options, budget, len(candidates),
                                   stoppable=should_stop is not None,
                                   pyvrp=pyvrp_engine.applies(problem, candidates))
        outcome = run_portfolio(problem, candidates, settings, on_solution)
        vehicle_routes, objective = outcome.routes, outcome.objective
        solutions = outcome.solutions
        if outcome.objective is None:
            warnings.append(f"the solver found no solution within {limit:g} s; "
                            "every visit is left unassigned — allow more time")

    routes = tuple(_assemble(problem, candidates, vr) for vr in vehicle_routes)
    unassigned = _explain(problem, screening.rejected, candidates, routes)
    kpis = compute_kpis(problem, routes, unassigned, warnings=warnings,
                        solve_s=time.perf_counter() - began, objective=objective)
    plan = Plan(problem.day, routes, unassigned, kpis, problem.policy,
                {"seed": str(options.seed), "travel_source": problem.travel.source},
                problem.travel.record)
    assert_compliant(problem, plan)
    if progress is not None and objective is not None:
        progress(Progress(time.perf_counter() - began, objective, solutions,
                          plan.kpis.visits_planned))
    return plan


def _assemble(problem: Problem, candidates: list[Candidate], vr: VehicleRoute) -> Route:
    """Times from the search, made explicit: arrival, wait, service, and the break."""
    team = problem.teams[vr.team]
    travel = problem.travel
    mode = team.mode
    brk = (vr.break_start, vr.break_start + team.break_s) if (
        vr.break_start is not None and vr.order) else None
    stops: list[Stop] = []
    prev_node, prev_departure = travel.start_node[vr.team], vr.depart_s
    distance = driving = 0
    for pos, start in zip(vr.order, vr.starts, strict=True):
        c = candidates[pos]
        visit = problem.visits[c.visit]
        leg_s = travel.duration(mode, prev_node, c.node)
        leg_m = travel.distance(mode, prev_node, c.node)
        arrival = prev_departure + leg_s
        if brk is not None and prev_departure <= brk[0] < start and brk[0] < arrival:
            # the break interrupts this drive: the rest of it follows the break
            arrival = brk[1] + max(0, leg_s - (brk[0] - prev_departure))
        arrival = min(arrival, start)
        stops.append(Stop(visit.visit_id, visit.borrower_id, c.node_location(problem), arrival,
                          start, start + c.service_s, leg_s, leg_m, visit.window,
                          visit.location_quality))
        distance += leg_m
        driving += leg_s
        prev_node, prev_departure = c.node, start + c.service_s
    end_node = travel.end_node[vr.team]
    if stops:
        distance += travel.distance(mode, prev_node, end_node)
        driving += travel.duration(mode, prev_node, end_node)
    breaks = (BreakSlot(*brk),) if brk is not None else ()
    return Route(team.team_id, team.members, mode, tuple(stops), breaks,
                 vr.depart_s if stops else team.shift.start,
                 vr.return_s if stops else team.shift.start,
                 distance, driving, team.start, team.end_point)


def _explain(problem: Problem, rejected: dict[int, Explanation], candidates: list[Candidate],
             routes: tuple[Route, ...]) -> tuple[Unassigned, ...]:
    routed = {s.visit_id for r in routes for s in r.stops}
    routed_by_borrower = {s.borrower_id: s.visit_id for r in routes for s in r.stops}
    why: dict[int, Explanation] = dict(rejected)
    order = list(Reason)
    for i, e in rejected.items():  # same_borrower_same_day precedes the later screening reasons
        other = routed_by_borrower.get(problem.visits[i].borrower_id)
        if other is not None and order.index(e.reason) > order.index(
                Reason.SAME_BORROWER_SAME_DAY):
            why[i] = reasons.same_borrower(other)
    for c in candidates:
        visit = problem.visits[c.visit]
        if visit.visit_id in routed:
            continue
        other = routed_by_borrower.get(visit.borrower_id)
        why[c.visit] = (reasons.same_borrower(other) if other is not None
                        else reasons.over_capacity(visit.priority))
    return tuple(
        Unassigned(problem.visits[i].visit_id, e.reason, e.detail, e.detail_en)
        for i, e in sorted(why.items())
    )
