"""Issue 2 figure: a Zhengzhou day of 300 visits and 20 teams, 10 s against a 120 s reference.

Prints, per seed, the priority covered at 10 s and at 120 s, their ratio (target >= 97%) and
wall times, then the medians. Usage: python benchmarks/zhengzhou_day.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from routeplan.domain.policy import Policy
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from routeplan.workflows.synth import synth_day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--short", type=float, default=10.0)
    parser.add_argument("--long", type=float, default=120.0)
    args = parser.parse_args()
    locator = default_locator()
    ratios, walls = [], []
    for seed in range(1, args.seeds + 1):
        day = synth_day(visits=300, teams=20, seed=seed, locator=locator)
        problem = build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
        t0 = time.perf_counter()
        short = solve(problem, SolveOptions(time_limit_s=args.short))
        wall = time.perf_counter() - t0
        long = solve(problem, SolveOptions(time_limit_s=args.long))
        ratio = short.kpis.priority_planned / max(1, long.kpis.priority_planned)
        ratios.append(ratio)
        walls.append(wall)
        print(f"seed {seed}: priority {short.kpis.priority_planned} at {args.short:g} s "
              f"(wall {wall:.1f} s, {short.kpis.visits_planned} visits, "
              f"{short.kpis.distance_m / 1000:.0f} km) vs {long.kpis.priority_planned} at "
              f"{args.long:g} s ({long.kpis.visits_planned} visits, "
              f"{long.kpis.distance_m / 1000:.0f} km): {ratio:.1%}")
    print(f"median ratio {statistics.median(ratios):.1%}, median wall "
          f"{statistics.median(walls):.1f} s over {len(ratios)} seeds (target >= 97%)")


if __name__ == "__main__":
    main()
