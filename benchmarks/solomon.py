"""Solution quality on Solomon VRPTW: the product solver against best-known costs.

Usage:
    python benchmarks/solomon.py [--time-limit S] [--dir DIR] [--first-solution-study]
                                 [--stoppable [--slice-s S]]

Prints the table of `routeplan bench` for every .vrp in DIR (default
../shared/benchmarks/solomon, beside the repository). With --stoppable it solves as the
service does, with a stop callback (that never fires), so the ruin-and-recreate phase runs
in slices of --slice-s seconds (default `routeplan.solver.solve.STOP_SLICE_S`); the table
then says "stoppable" and lists the same columns. With --first-solution-study it also
solves the tight-window instances (R1, RC1, C1) with the OR-Tools tutorial start
(PATH_CHEAPEST_ARC + GLS), with PARALLEL_CHEAPEST_INSERTION + GLS and with the product's
chosen recipe, single process each, and prints cost or "no solution" (issue 2 asks for it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.*, tests.*

from benchmarks.vrptw import read_instance, run_bench, to_problem, verify

from routeplan.solver.solve import SolveOptions, solve

# the module, not the function `routeplan.solver.solve` that its package exports
solve_module = importlib.import_module("routeplan.solver.solve")

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


def stoppable_bench(paths: list[Path], time_limit_s: float) -> int:
    """`routeplan bench`'s table, solved with a stop callback as in the service."""
    print(f"stoppable: ruin-and-recreate in slices of {solve_module.STOP_SLICE_S:g} s")
    print(f"{'instance':<10} {'cost':>9} {'bks':>9} {'gap %':>7} {'feasible':>8} "
          f"{'vehicles':>8} {'seconds':>8}")
    gaps, feasible = [], 0
    for path in paths:
        inst = read_instance(path)
        began = time.perf_counter()
        plan = solve(to_problem(inst, time_limit_s), SolveOptions(time_limit_s=time_limit_s),
                     should_stop=lambda: False)
        seconds = time.perf_counter() - began
        cost, problems = verify(inst, plan)
        gap = 100 * (cost - inst.bks) / inst.bks if inst.bks else None
        if gap is not None:
            gaps.append(gap)
        feasible += not problems
        print(f"{inst.name:<10} {cost:>9.1f} {inst.bks or 0:>9.1f} "
              f"{'-' if gap is None else f'{gap:.2f}':>7} {'yes' if not problems else 'NO':>8} "
              f"{plan.kpis.teams_used:>8} {seconds:>8.2f}", flush=True)
    mean = f"{sum(gaps) / len(gaps):.2f}" if gaps else "-"
    print(f"mean gap {mean} % over {len(paths)} instance(s), {feasible} feasible")
    return 0 if feasible == len(paths) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--first-solution-study", action="store_true")
    parser.add_argument("--stoppable", action="store_true",
                        help="solve with a stop callback, as the service does")
    parser.add_argument("--slice-s", type=float, default=None,
                        help="ruin-and-recreate slice length with --stoppable")
    args = parser.parse_args()
    if args.slice_s is not None:
        # read by search_settings() in this process; the slice length reaches the
        # portfolio's second process inside its SearchSettings
        solve_module.STOP_SLICE_S = args.slice_s
    paths = sorted(args.dir.glob("*.vrp"))
    if not paths:
        print(f"no .vrp files in {args.dir}", file=sys.stderr)
        return 2
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.stoppable:
        status = stoppable_bench(paths, args.time_limit)
    else:
        status = run_bench(paths, args.time_limit)
    if args.first_solution_study:
        # tight windows: class 1 (C1xx, R1xx, RC1xx)
        first_solution_study([p for p in paths if p.stem[-3] == "1"], args.time_limit)
    return status


if __name__ == "__main__":
    sys.exit(main())
