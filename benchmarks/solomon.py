"""Solution quality on Solomon VRPTW: the product solver against best-known costs.

Usage:
    python benchmarks/solomon.py [--time-limit S] [--dir DIR] [--first-solution-study]

Prints the table of `routeplan bench` for every .vrp in DIR (default
../shared/benchmarks/solomon, beside the repository). With --first-solution-study it also
solves the tight-window instances (R1, RC1, C1) with the OR-Tools tutorial start
(PATH_CHEAPEST_ARC + GLS), with PARALLEL_CHEAPEST_INSERTION + GLS and with the product's
chosen recipe, single process each, and prints cost or "no solution" (issue 2 asks for it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from routeplan.bench import read_instance, run_bench, to_problem, verify
from routeplan.solver.solve import SolveOptions, solve

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "solomon"

STUDY = (
    ("PATH_CHEAPEST_ARC + GLS", SolveOptions(strategy="gls", first_solution="PATH_CHEAPEST_ARC")),
    ("PARALLEL_CHEAPEST_INSERTION + GLS", SolveOptions(strategy="gls")),
    ("chosen (ruin-recreate + GLS, 1 process)", SolveOptions(workers=1)),
)


def first_solution_study(paths: list[Path], time_limit_s: float) -> None:
    print(f"\nfirst-solution study, {time_limit_s:g} s each, one process")
    print(f"{'instance':<8} {'recipe':<42} {'cost':>8} {'gap %':>7} {'served':>7}")
    for path in paths:
        inst = read_instance(path)
        for label, recipe in STUDY:
            plan = solve(to_problem(inst, time_limit_s), replace(recipe, time_limit_s=time_limit_s))
            cost, problems = verify(inst, plan)
            served = plan.kpis.visits_planned
            if served == 0:
                print(f"{inst.name:<8} {label:<42} {'no solution':>8}")
                continue
            gap = 100 * (cost - inst.bks) / inst.bks if inst.bks else float("nan")
            flag = "" if not problems else " (incomplete)"
            print(f"{inst.name:<8} {label:<42} {cost:>8.1f} {gap:>7.2f} "
                  f"{served:>4}/{inst.size - 1}{flag}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--first-solution-study", action="store_true")
    args = parser.parse_args()
    paths = sorted(args.dir.glob("*.vrp"))
    if not paths:
        print(f"no .vrp files in {args.dir}", file=sys.stderr)
        return 2
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    status = run_bench(paths, args.time_limit)
    if args.first_solution_study:
        # tight windows: class 1 (C1xx, R1xx, RC1xx)
        first_solution_study([p for p in paths if p.stem[-3] == "1"], args.time_limit)
    return status


if __name__ == "__main__":
    sys.exit(main())
