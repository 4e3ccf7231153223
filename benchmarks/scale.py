"""Issue 6 scale curve: wall time, peak memory and priority covered for Henan-wide days.

For 500, 1,000, 2,000 and 5,000 visits (teams in proportion, 300 at 5,000) it solves a
synthetic province-wide day with decomposition, and (up to --undivided-max visits) the same
day as one undivided search at the same time budget. Each solve runs in a fresh process so
peak memory (max RSS of the process and its workers) is its own.
Usage: python benchmarks/scale.py [--sizes 500 1000 2000 5000] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _run(args: tuple[int, int, float, bool]) -> dict[str, float]:
    visits, teams, limit, undivided = args
    from routeplan.domain.policy import Policy
    from routeplan.solver import SolveOptions, solve
    from routeplan.workflows.build import build_problem, default_locator
    from routeplan.workflows.synth import synth_day

    locator = default_locator()
    t0 = time.perf_counter()
    day = synth_day(prefectures=None, visits=visits, teams=teams, seed=1, locator=locator)
    problem = build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
    built = time.perf_counter() - t0
    plan = solve(problem, SolveOptions(time_limit_s=limit),
                 decompose_above=10**9 if undivided else 600)
    wall = time.perf_counter() - t0
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
           + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    k = plan.kpis
    return {"visits": visits, "teams": teams, "mode": "undivided" if undivided else "decomposed",
            "wall_s": round(wall, 1), "build_s": round(built, 1), "peak_mb": round(rss),
            "planned": k.visits_planned, "priority_planned": k.priority_planned,
            "priority_total": k.priority_total, "parts": int(plan.meta.get("parts", "1"))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--undivided-max", type=int, default=2000)
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, teams, limit, undivided = args.one
        print(json.dumps(_run((int(n), int(teams), float(limit), undivided == "1"))))
        return
    for n in args.sizes:
        teams = max(20, round(n * 300 / 5000))
        modes = [False] + ([True] if n <= args.undivided_max else [])
        for undivided in modes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), str(teams), str(args.time_limit),
                 "1" if undivided else "0"], capture_output=True, text=True, check=True)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
