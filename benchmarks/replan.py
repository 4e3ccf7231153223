"""Issue 18 figures: what a re-plan changes at the default change price and at zero price.

For synthetic Henan days (`workflows.synth`) of 300 and 600 visits, plans the day, then at
`--now` (default 12:30, every stop started by then reported done) applies one of three
disruptions: one cancellation (a visit still ahead), one late team (it goes on an hour
later) and one dropped team (off for the rest of the day). Each is re-planned under three
anchors, side by side:

- `as told`: every team locked (its remaining stops in order, re-timed; the floor of change),
- `default`: the policy's `[replan]` prices (the product's behaviour),
- `free`: both prices 0, a full re-optimisation of the rest of the day (the ceiling of
  priority and driving).

Per run it prints the visits still ahead, those changed (and of them forced by the
disruption), moved to another team, planned priority and driving; then the medians per size,
scenario and anchor over the seeds. Every re-plan passes the independent checker.
Usage: python benchmarks/replan.py [--sizes 300 600] [--seeds 3] [--plan-s 10] [--replan-s 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from routeplan.domain.clock import format_hhmm, parse_hhmm
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.rules.compliance import check
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from routeplan.workflows.replan import Disruption, replan
from routeplan.workflows.synth import synth_day

ANCHORS = ("as told", "default", "free")
SCENARIOS = ("cancellation", "late team", "dropped team")


@dataclass(frozen=True, slots=True)
class Row:
    """One re-plan's figures."""

    ahead: int
    changed: int
    required: int
    moved: int
    priority: int
    driving_s: int
    wall_s: float


def _disruption(plan: Plan, now: int, scenario: str) -> Disruption:
    """The scenario on `plan` at `now`: started stops done, then one cancellation, late or
    dropped team (the busiest team still ahead, so the disruption matters)."""
    done = frozenset(s.visit_id for r in plan.routes for s in r.stops if s.start <= now)
    ahead = {r.team_id: [s.visit_id for s in r.stops if s.start > now] for r in plan.routes}
    busiest = max(sorted(ahead), key=lambda t: len(ahead[t]))
    if scenario == "cancellation":
        return Disruption(now=now, done=done, cancelled=frozenset(ahead[busiest][:1]))
    if scenario == "late team":
        return Disruption(now=now, done=done, available_from={busiest: now + 3600})
    return Disruption(now=now, done=done, dropped_teams=frozenset({busiest}))


def _run(problem: Problem, plan: Plan, d: Disruption, anchor: str,
         options: SolveOptions) -> Row:
    if anchor == "free":
        policy = replace(problem.policy, replan_move_cost=0, replan_retime_cost_per_min=0)
        problem, plan = replace(problem, policy=policy), replace(plan, policy=policy)
    if anchor == "as told":
        d = replace(d, locked_teams=frozenset(r.team_id for r in plan.routes)
                    - d.dropped_teams)
    t0 = time.perf_counter()
    new, changes = replan(problem, plan, d, options)
    wall = time.perf_counter() - t0
    violations = check(problem, new)
    if violations:
        raise SystemExit(f"re-plan fails the checker: {violations[:3]}")
    ahead = sum(1 for r in plan.routes for s in r.stops if s.start > d.now)
    return Row(ahead, len(changes.changed), len(changes.required), len(changes.moved),
               new.kpis.priority_planned, new.kpis.driving_s, wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 600])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--plan-s", type=float, default=10.0, help="first solve, seconds")
    parser.add_argument("--replan-s", type=float, default=10.0, help="re-plan, seconds")
    parser.add_argument("--now", default="12:30")
    args = parser.parse_args()
    now = parse_hhmm(args.now, "--now")
    locator = default_locator()
    rows: dict[tuple[int, str, str], list[Row]] = defaultdict(list)
    for size in args.sizes:
        teams = max(4, round(size / 10.5))  # ~ the 400 visits / 38 teams
        for seed in range(1, args.seeds + 1):
            day = synth_day(visits=size, teams=teams, seed=seed, locator=locator)
            problem = build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
            plan = solve(problem, SolveOptions(time_limit_s=args.plan_s, seed=seed))
            for scenario in SCENARIOS:
                d = _disruption(plan, now, scenario)
                for anchor in ANCHORS:
                    row = _run(problem, plan, d, anchor,
                               SolveOptions(time_limit_s=args.replan_s, seed=seed))
                    rows[(size, scenario, anchor)].append(row)
                    print(f"{size} visits/{teams} teams seed {seed} {scenario:12} "
                          f"{anchor:8}: {row.changed:3} of {row.ahead} ahead changed "
                          f"({row.required} forced, {row.moved} moved), priority "
                          f"{row.priority}, driving {row.driving_s / 3600:.1f} h, "
                          f"{row.wall_s:.1f} s", flush=True)
    print(f"\nmedians over {args.seeds} seeds, now {format_hhmm(now)}, plan {args.plan_s:g} s, "
          f"re-plan {args.replan_s:g} s")
    print(f"{'size':>5} {'scenario':12} {'anchor':8} {'ahead':>5} {'changed':>7} "
          f"{'forced':>6} {'moved':>5} {'priority':>8} {'driving h':>9}")
    for (size, scenario, anchor), rs in rows.items():
        def med(f: str, rs: list[Row] = rs) -> float:
            return statistics.median(getattr(r, f) for r in rs)
        print(f"{size:5} {scenario:12} {anchor:8} {med('ahead'):5.0f} {med('changed'):7.0f} "
              f"{med('required'):6.0f} {med('moved'):5.0f} {med('priority'):8.0f} "
              f"{med('driving_s') / 3600:9.1f}")


if __name__ == "__main__":
    main()
