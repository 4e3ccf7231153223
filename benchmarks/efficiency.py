"""Issue 14: how far a plan's driving is from what its own visits need, and the VRPTW classes.

Usage:
    python benchmarks/efficiency.py days  [--sizes 100 300 600] [--limits 10 30 120] [--seed 1]
    python benchmarks/efficiency.py vrptw [--solomon DIR] [--gh DIR] [--solomon-s 10]
                                          [--gh-s 20] [--no-anchors]
    python benchmarks/efficiency.py all   (both, with their defaults)

`days`: for synthetic prefecture days (breaks 11:30-13:30, policy caps, straight-line
travel; sizes and team counts in `DAYS`) it solves each day with the product's `solve` at
each time limit and prints visits and priority planned and driving hours, then solves the
same set of visits again as must-visits with the same budget and prints that driving and the
ratio (the issue's target: at most 1.05). Every solve runs the compliance checker.

`vrptw`: the Solomon (10 s) and Gehring-Homberger 200 (20 s) instances beside the repository,
solved by the product (`benchmarks.vrptw`), by PyVRP (one core, same wall time) and by VROOM
(exploration 5, two threads, its own time), side by side with the gap to the `.sol` costs.

Each section starts with the date, the core count and the load average: other jobs share
the cores, so compare figures taken at similar loads. `--json` adds one JSON line per row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.*

from benchmarks.vrptw import run_instance

from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.solver import SolveOptions, solve
from routeplan.workflows.build import build_problem, default_locator
from routeplan.workflows.synth import synth_day

#: ../shared/benchmarks beside the repository (or beside the worktrees' folder)
_SHARED = next((p / "shared" / "benchmarks" for p in Path(__file__).resolve().parents[1:4]
                if (p / "shared" / "benchmarks").is_dir()),
               Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks")

#: visits -> (prefecture, teams): three prefectures, about 12-14 candidate visits per team,
#: so the 12-visit cap binds on some teams and the search has to choose.
DAYS: dict[int, tuple[str, int]] = {100: ("410200", 8), 300: ("410300", 24),
                                    600: ("410100", 46)}


@dataclass(frozen=True, slots=True)
class DayRow:
    """One day at one limit: the plan, and the same visits re-solved as must-visits."""

    visits: int
    teams: int
    limit_s: float
    planned: int
    priority: int
    driving_h: float
    wall_s: float
    must_planned: int
    must_driving_h: float

    @property
    def ratio(self) -> float:
        return self.driving_h / self.must_driving_h if self.must_driving_h else float("nan")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return (f"{time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  load average "
            f"{one:.2f} {five:.2f} {fifteen:.2f}")


def day_problem(visits: int, seed: int) -> Problem:
    """The synthetic prefecture day of `visits` visits (see `DAYS`)."""
    pref, teams = DAYS.get(visits, ("410100", max(2, round(visits / 13))))
    locator = default_locator()
    day = synth_day(prefectures=(pref,), visits=visits, teams=teams, seed=seed, locator=locator)
    return build_problem(day.day, day.visits, day.teams, Policy(), locator=locator)


def must_visit_problem(problem: Problem, plan: Plan) -> Problem:
    """The plan's routed visits alone, each made a must-visit; teams and travel unchanged."""
    routed = {s.visit_id for r in plan.routes for s in r.stops}
    keep = [i for i, v in enumerate(problem.visits) if v.visit_id in routed]
    sub = problem.restrict(keep, range(len(problem.teams)))
    return replace(sub, visits=tuple(replace(v, must_visit=True) for v in sub.visits))


def run_day(visits: int, limit: float, seed: int) -> DayRow:
    problem = day_problem(visits, seed)
    began = time.perf_counter()
    plan = solve(problem, SolveOptions(time_limit_s=limit, seed=0))
    wall = time.perf_counter() - began
    again = solve(must_visit_problem(problem, plan), SolveOptions(time_limit_s=limit, seed=0))
    k, m = plan.kpis, again.kpis
    return DayRow(visits, len(problem.teams), limit, k.visits_planned, k.priority_planned,
                  round(k.driving_s / 3600, 2), round(wall, 1), m.visits_planned,
                  round(m.driving_s / 3600, 2))


def days(sizes: list[int], limits: list[float], seed: int, as_json: bool) -> None:
    print(f"days  {_load()}")
    print(f"{'visits':>6} {'teams':>5} {'limit':>5} {'planned':>7} {'priority':>8} "
          f"{'driving h':>9} {'wall s':>6} {'must-visit re-solve':>20} {'ratio':>6}")
    for n in sizes:
        for limit in limits:
            row = run_day(n, limit, seed)
            print(f"{row.visits:>6} {row.teams:>5} {row.limit_s:>5g} {row.planned:>7} "
                  f"{row.priority:>8} {row.driving_h:>9.2f} {row.wall_s:>6.1f} "
                  f"{row.must_driving_h:>11.2f} h ({row.must_planned:>3}) {row.ratio:>6.3f}",
                  flush=True)
            if as_json:
                print(json.dumps({"kind": "day", **{f: getattr(row, f) for f in
                                                    row.__dataclass_fields__},
                                  "ratio": round(row.ratio, 4), "load": os.getloadavg()[0]}))


def _gap_line(name: str, gaps: dict[str, list[float | None]]) -> str:
    parts = []
    for solver, values in gaps.items():
        ok = [g for g in values if g is not None]
        mean = f"{statistics.fmean(ok):.2f} %" if ok and len(ok) == len(values) else "-"
        parts.append(f"{solver} {mean}")
    return f"{name}: mean gap " + ", ".join(parts)


def _cell(cells: dict[str, tuple[float | None, float | None, float]], label: str) -> str:
    if label not in cells:
        return "-"
    cost, gap, secs = cells[label]
    return "infeasible" if gap is None or cost is None else (
        f"{cost:.1f} {gap:5.2f}% {secs:4.1f}s")


def vrptw_class(name: str, folder: Path, limit: float, anchors: bool, as_json: bool) -> None:
    paths = sorted(folder.glob("*.vrp"))
    if not paths:
        print(f"{name}: no .vrp files in {folder}", file=sys.stderr)
        return
    from benchmarks import anchors as anchor_mod

    print(f"\n{name} at {limit:g} s  {_load()}")
    print(f"{'instance':<10} {'bks':>8} {'routeplan':>16} {'pyvrp':>16} {'vroom':>16}")
    gaps: dict[str, list[float | None]] = {"routeplan": [], "pyvrp": [], "vroom": []}
    for path in paths:
        ours = run_instance(path, limit)
        cells: dict[str, tuple[float | None, float | None, float]] = {
            "routeplan": (ours.cost, ours.gap_pct if ours.feasible else None, ours.seconds)}
        if anchors:
            for label, result in (("pyvrp", anchor_mod.run_pyvrp(path, limit)),
                                  ("vroom", anchor_mod.run_vroom(path))):
                cells[label] = (result.cost, result.gap_pct, result.seconds)
        for label, (_, gap, _) in cells.items():
            gaps[label].append(gap)

        shown = [_cell(cells, label) for label in ("routeplan", "pyvrp", "vroom")]
        print(f"{ours.instance:<10} {ours.bks or 0:>8.1f} {shown[0]:>16} {shown[1]:>16} "
              f"{shown[2]:>16}", flush=True)
        if as_json:
            print(json.dumps({"kind": name, "instance": ours.instance,
                              **{k: v[1] for k, v in cells.items()}}))
    if not anchors:
        gaps = {"routeplan": gaps["routeplan"]}
    print(_gap_line(name, gaps))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("days", "vrptw", "all"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 600])
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 30.0, 120.0])
    parser.add_argument("--seed", type=int, default=1, help="synthetic day seed")
    parser.add_argument("--solomon", type=Path, default=_SHARED / "solomon")
    parser.add_argument("--gh", type=Path, default=_SHARED / "gh200")
    parser.add_argument("--solomon-s", type=float, default=10.0)
    parser.add_argument("--gh-s", type=float, default=20.0)
    parser.add_argument("--no-anchors", action="store_true", help="routeplan only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.what in ("days", "all"):
        days(args.sizes, args.limits, args.seed, args.json)
    if args.what in ("vrptw", "all"):
        vrptw_class("Solomon", args.solomon, args.solomon_s, not args.no_anchors, args.json)
        vrptw_class("GH200", args.gh, args.gh_s, not args.no_anchors, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
