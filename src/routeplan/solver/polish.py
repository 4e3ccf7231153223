"""Cover-then-polish, the polish: less driving for the same visits, a few routes at a time.

On a day of several hundred visits OR-Tools' ruin-and-recreate makes only some twenty
iterations a second (each recreate tries every route for every removed visit, with breaks
propagated), so at the default limit a plan's driving is far from converged (issue 14).
Here the visits the cover phase chose are held, and the plan is improved on small
sub-problems: a route and its nearest neighbours (by the centre of their visits, an idle
team by its start), at most `MAX_SUB_VISITS` visits. Each is restricted out of the problem,
screened again (so every rule the model encodes still applies), and solved by the same
ruin-and-recreate + GLS recipe from its current routes with every visit a must-visit; the
sub-plan replaces the old one only when its objective is lower. A sub-problem's objective
counts the driving and the soft-window cost of its own routes alone, so its gain is the
whole plan's gain. The sub-searches make hundreds of iterations a second.

With a solution limit the number of sub-problems and each one's budget are counts, so a
seed and a budget give the same plan; with a time limit each gets a slice of the time.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from time import monotonic

import numpy as np

from routeplan.domain.problem import Problem
from routeplan.solver.routing_model import (
    Chains,
    OnSolution,
    RoutingModel,
    SearchSettings,
)
from routeplan.solver.screen import Candidate, screen
from routeplan.solver.search import Strategy

#: Most visits in one sub-problem, and most routes.
MAX_SUB_VISITS = 40
MAX_SUB_ROUTES = 4
#: Seconds per sub-problem, at least and at most; the budget is spread over about two
#: passes over the routes between these bounds.
SUB_MIN_S, SUB_MAX_S = 0.1, 0.6
#: Solutions per sub-problem, and sub-problems per route, under a solution limit.
SUB_SOLUTIONS = 40
SUBS_PER_ROUTE = 2


@dataclass(frozen=True, slots=True)
class Polished:
    """The polished plan: each team's visits (candidate positions), objective, solutions."""

    chains: Chains
    objective: int
    solutions: int
    improved: int  # sub-problems whose plan was taken


def polish_routes(problem: Problem, candidates: Sequence[Candidate], chains: Chains,
                  objective: int, strategy: Strategy, *, time_limit_s: float,
                  solution_limit: int | None, on_solution: OnSolution, seed: int = 0
                  ) -> Polished:
    """Lower the driving of `chains` (objective `objective`) with its visits held.

    `on_solution(objective, solutions, planned)` hears each improvement and is asked
    between sub-problems whether to stop.
    """
    began = monotonic()
    chains = tuple(tuple(c) for c in chains)
    n_teams = len(problem.teams)
    planned = sum(len(c) for c in chains)
    rng = random.Random(seed)
    routed = [t for t in range(n_teams) if chains[t]]
    if not routed or n_teams == 0:
        return Polished(chains, objective, 0, 0)
    if solution_limit is not None:
        subs: int | None = SUBS_PER_ROUTE * len(routed)
        sub_s = time_limit_s
    else:
        subs = None
        sub_s = min(SUB_MAX_S, max(SUB_MIN_S, time_limit_s / (2 * len(routed))))
    recipe = replace(strategy, polish_share=0.0,
                     ruin_share=min(0.9, strategy.ruin_share + strategy.polish_share),
                     ruin_avg_removed=min(strategy.ruin_avg_removed, 8),
                     ruin_max_sequence=min(strategy.ruin_max_sequence, 8))
    solutions = improved = 0
    done = 0
    order: list[int] = []
    while True:
        if subs is not None and done >= subs:
            break
        if subs is None and monotonic() - began + 0.05 > time_limit_s:
            break
        if not order:  # a pass over the routes in a seeded order
            order = [t for t in range(n_teams) if chains[t]]
            rng.shuffle(order)
        seed_team = order.pop()
        if not chains[seed_team]:
            continue
        left = time_limit_s - (monotonic() - began)
        budget = sub_s if subs is not None else min(sub_s, max(0.05, left))
        teams = _neighbourhood(problem, candidates, chains, seed_team)
        result = _solve_sub(problem, candidates, chains, teams, recipe, budget,
                            SUB_SOLUTIONS if subs is not None else None)
        done += 1
        if done % 20 == 0:
            # the sub-models' OR-Tools memory is freed only with their Python cycles, which
            # look small to the collector: 440 -> 340 MB after 30 s on 300 visits
            gc.collect()
        if result is not None:
            gain, new_chains, count = result
            solutions += count
            if gain > 0:
                chains = new_chains
                objective -= gain
                improved += 1
        if on_solution(objective, solutions, planned):
            break
    return Polished(chains, objective, solutions, improved)


def _centre(problem: Problem, candidates: Sequence[Candidate], chain: tuple[int, ...],
            team: int) -> np.ndarray:
    travel = problem.travel
    if chain:
        pts = np.array([travel.points[candidates[p].node] for p in chain], dtype=float)
        return np.asarray(pts.mean(axis=0))
    return np.array(travel.points[travel.start_node[team]], dtype=float)


def _neighbourhood(problem: Problem, candidates: Sequence[Candidate], chains: Chains,
                   seed_team: int) -> list[int]:
    """The seed team and its nearest teams, up to the sub-problem's size."""
    mode = problem.teams[seed_team].mode
    centres = np.array([_centre(problem, candidates, chains[t], t)
                        for t in range(len(problem.teams))])
    scale = np.array([np.cos(np.radians(centres[seed_team, 1])), 1.0])
    d = (((centres - centres[seed_team]) * scale) ** 2).sum(axis=1)
    near = [int(t) for t in np.argsort(d, kind="stable") if int(t) != seed_team]
    teams = [seed_team]
    visits = len(chains[seed_team])
    idle_taken = False
    for t in near:
        if len(teams) >= MAX_SUB_ROUTES:
            break
        if not chains[t]:
            if idle_taken or problem.teams[t].mode != mode:
                continue
            idle_taken = True  # one idle team nearby may take some of the visits
        if visits + len(chains[t]) > MAX_SUB_VISITS:
            continue
        teams.append(t)
        visits += len(chains[t])
    return teams


def _solve_sub(problem: Problem, candidates: Sequence[Candidate], chains: Chains,
               teams: list[int], recipe: Strategy, budget: float,
               solution_limit: int | None) -> tuple[int, Chains, int] | None:
    """(gain, chains with the sub-plan in, solutions) for the routes of `teams`, or None."""
    positions = [p for t in teams for p in chains[t]]
    if len(positions) < 2:
        return None
    visits = [candidates[p].visit for p in positions]
    sub = problem.restrict(visits, teams)
    sub_cands = screen(sub).candidates
    if len(sub_cands) != len(visits):
        return None  # not seen: the routes' own visits pass the screening again
    sub_pos = {c.visit: i for i, c in enumerate(sub_cands)}  # sub visit index -> position
    local = {p: sub_pos[i] for i, p in enumerate(positions)}
    start = tuple(tuple(local[p] for p in chains[t]) for t in teams)
    model = RoutingModel(sub, sub_cands, hold=True)
    before = model.restore(start).objective
    if before is None:
        return None
    result = model.improve(start, SearchSettings(budget, solution_limit, strategy=recipe))
    if result is None or result[1] >= before:
        return 0, chains, 0
    found, after = result
    back = {q: p for p, q in local.items()}
    out = list(chains)
    for j, chain in enumerate(found):
        out[teams[j]] = tuple(back[q] for q in chain)
    return before - after, tuple(out), 1
