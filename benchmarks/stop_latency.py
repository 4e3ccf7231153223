"""How soon a dispatcher's stop ends a solve: seconds from the first 'yes' to the plan.

Solves synthetic Zhengzhou days (with breaks: OR-Tools cover-then-polish in both processes)
and a Solomon instance (PyVRP beside OR-Tools) with a 120 s budget and a `should_stop`
that says yes from a given moment on, and prints how long the solve took to return after
that. Usage: python benchmarks/stop_latency.py [--cases 80:5 300:20 300:60 R101:5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.*

from benchmarks.efficiency import _SHARED
from benchmarks.vrptw import read_instance, to_problem

from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from routeplan.workflows.synth import synth_day


def _problem(what: str) -> Problem:
    if what.isdigit():
        locator = default_locator()
        day = synth_day(visits=int(what), teams=max(4, int(what) // 13), seed=1,
                        locator=locator)
        return build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)
    return to_problem(read_instance(_SHARED / "solomon" / f"{what}.vrp"), 120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["80:5", "300:20", "300:60", "R101:5"])
    args = parser.parse_args()
    one, five, fifteen = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  load average "
          f"{one:.2f} {five:.2f} {fifteen:.2f}")
    for case in args.cases:
        what, at = case.split(":")
        problem = _problem(what)
        began = time.perf_counter()
        asked: list[float] = []

        def should_stop(at_s: float = float(at), began: float = began,
                        asked: list[float] = asked) -> bool:
            now = time.perf_counter()
            if now - began < at_s:
                return False
            if not asked:
                asked.append(now)
            return True

        plan = solve(problem, SolveOptions(time_limit_s=120), should_stop=should_stop)
        ended = time.perf_counter()
        after = ended - asked[0] if asked else float("nan")
        print(f"{what:>6} stop at {float(at):5.1f} s: returned {after:.2f} s later "
              f"(wall {ended - began:.1f} s, {plan.kpis.visits_planned} visits planned)",
              flush=True)


if __name__ == "__main__":
    main()
