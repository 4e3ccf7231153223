"""Solution-quality benchmark: VRPLIB VRPTW instances mapped onto routeplan and solved as-is.

The mapping (issue 6): one instance time unit is 10 s after 08:00; an arc's travel time and
cost are its Euclidean distance truncated to one decimal, in tenths (the DIMACS convention of
the Solomon `.sol` files), so one tenth is one second and one metre; the depot is every
team's start and end, its window the shift; each customer is a must-visit with its service
time and the window [ready, due + service] (VRPLIB windows bound the start of service,
routeplan's the whole visit); teams have two synthetic members and the instance's capacity;
the policy sets the company window to the legal one and has no breaks. The instance's
coordinates are placed on fake points inside Zhengzhou only because the domain wants
WGS-84 points; every travel figure comes from the instance's own matrix.

The plan comes from the product's `solve`, which runs the compliance checker; this module
then re-checks the plan in the instance's own units (windows, capacity, every customer once)
and recomputes its cost from the instance, so a mapping error cannot flatter the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from routeplan.domain.clock import LEGAL_WINDOW, TimeWindow
from routeplan.domain.errors import ComplianceViolation, InvalidInput
from routeplan.domain.geo import LonLat
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem
from routeplan.domain.team import Mode, Team
from routeplan.domain.travel import IntMatrix, Matrices
from routeplan.domain.visit import Visit
from routeplan.solver.solve import SolveOptions, solve
from routeplan.workflows.build import build_problem

#: Instance time zero is 08:00; one instance unit is 10 s, one tenth of a unit 1 s.
ORIGIN_S = 8 * 3600
UNIT_S = 10
#: A working day that is no statutory holiday, so the calendar never interferes.
BENCH_DAY = date(2025, 3, 4)
#: Where instance (x, y) lands: a 0.002-degree grid anchored in Zhengzhou (410100).
_LON0, _LAT0, _DEG = 113.45, 34.55, 0.002
ZHENGZHOU = 410100


@dataclass(frozen=True, slots=True)
class Instance:
    """A VRPTW instance in its own units (node 0 is the depot)."""

    name: str
    coords: npt.NDArray[np.float64]  # (n, 2)
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]
    capacity: int
    vehicles: int
    bks: float | None

    @property
    def size(self) -> int:
        return len(self.demand)

    def tenths(self) -> IntMatrix:
        """Euclidean distances truncated to one decimal, in tenths (exact for integer input)."""
        n = self.size
        out = np.zeros((n, n), dtype=np.int64)
        xy = self.coords
        integral = bool(np.all(xy == np.round(xy)))
        for i in range(n):
            for j in range(n):
                dx, dy = xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1]
                if integral:
                    out[i, j] = math.isqrt(int(100 * (dx * dx + dy * dy)))
                else:
                    out[i, j] = math.floor(10 * math.hypot(dx, dy) + 1e-9)
        return out


def read_instance(path: Path) -> Instance:
    """Read a VRPLIB VRPTW instance and, when present, the best-known cost beside it."""
    import vrplib

    if not path.is_file():
        raise InvalidInput(f"{path}: instance file not found")
    try:
        raw: dict[str, Any] = vrplib.read_instance(str(path), compute_edge_weights=False)
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidInput(f"{path}: not a VRPLIB instance ({exc})") from exc
    for key in ("node_coord", "demand", "time_window", "capacity"):
        if key not in raw:
            raise InvalidInput(f"{path}: no {key.upper()} section; a VRPTW instance needs it")
    depot = int(np.asarray(raw.get("depot", [0])).ravel()[0])
    if depot != 0:
        raise InvalidInput(f"{path}: the depot must be the first node, not node {depot + 1}")
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    n = coords.shape[0]
    windows = np.asarray(raw["time_window"], dtype=np.int64)
    service_raw = raw.get("service_time", 0)
    service = np.broadcast_to(np.asarray(service_raw, dtype=np.int64), (n,)).copy()
    service[0] = 0
    bks = None
    sol = path.with_suffix(".sol")
    if sol.is_file():
        bks = float(vrplib.read_solution(str(sol))["cost"])
    return Instance(
        name=str(raw.get("name", path.stem)),
        coords=coords,
        demand=tuple(int(d) for d in np.asarray(raw["demand"]).ravel()),
        ready=tuple(int(w[0]) for w in windows),
        due=tuple(int(w[1]) for w in windows),
        service=tuple(int(s) for s in service),
        capacity=int(raw["capacity"]),
        vehicles=int(raw.get("vehicles", n - 1)),
        bks=bks,
    )


@dataclass(frozen=True, slots=True)
class _InstanceTravel:
    """TravelMatrix over the instance: each fake point is looked up back to its node."""

    node_of: dict[LonLat, int]
    tenths: IntMatrix

    @property
    def name(self) -> str:
        return "euclidean-tenths"

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        del mode
        idx = np.array([self.node_of[p] for p in points], dtype=np.int64)
        m = np.ascontiguousarray(self.tenths[np.ix_(idx, idx)])
        return Matrices(m, m.copy(), source=self.name)

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        del mode
        return list(points)


class _Zhengzhou:
    """RegionLocator that places every point in Zhengzhou."""

    def locate(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.int64]:
        del lats
        return np.full(np.asarray(lons).shape, ZHENGZHOU, dtype=np.int64)


def _seconds(units: int) -> int:
    return ORIGIN_S + UNIT_S * units


def bench_policy(time_limit_s: float) -> Policy:
    """Company window = the legal one, no per-team visit cap that a Solomon route could hit."""
    return Policy(name="bench", company_start=LEGAL_WINDOW.start, company_end=LEGAL_WINDOW.end,
                  max_visits_per_team=200, time_limit_s=time_limit_s)


def to_problem(inst: Instance, time_limit_s: float = 10.0) -> Problem:
    """The instance as routeplan's own problem (see the module docstring for the mapping)."""
    if _seconds(inst.due[0]) > LEGAL_WINDOW.end:
        raise InvalidInput(f"{inst.name}: horizon {inst.due[0]} units ends after 22:00")
    points = [(_LON0 + _DEG * float(x), _LAT0 + _DEG * float(y)) for x, y in inst.coords]
    node_of = {p: i for i, p in enumerate(points)}
    if len(node_of) != len(points):
        # coincident customers share a point; the matrix is the same for both
        node_of = {p: i for i, p in reversed(list(enumerate(points)))}
    visits = []
    for i in range(1, inst.size):
        if inst.service[i] <= 0:
            raise InvalidInput(f"{inst.name}: customer {i} has no service time; routeplan "
                               "visits always take time")
        visits.append(Visit(
            visit_id=f"c{i}", borrower_id=f"b{i}", location=points[i],
            service_s=UNIT_S * inst.service[i],
            window=TimeWindow(_seconds(inst.ready[i]), _seconds(inst.due[i] + inst.service[i])),
            must_visit=True, demand=inst.demand[i]))
    shift = TimeWindow(_seconds(inst.ready[0]), _seconds(inst.due[0]))
    teams = [Team(team_id=f"v{k + 1}", members=(f"v{k + 1}a", f"v{k + 1}b"), start=points[0],
                  shift=shift, capacity=inst.capacity)
             for k in range(inst.vehicles)]
    return build_problem(BENCH_DAY, visits, teams, bench_policy(time_limit_s),
                         travel=_InstanceTravel(node_of, inst.tenths()), locator=_Zhengzhou())


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One instance's figures: cost in instance units (one decimal), gap to best-known."""

    instance: str
    cost: float | None
    bks: float | None
    gap_pct: float | None
    feasible: bool
    vehicles: int
    seconds: float
    problems: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"instance": self.instance, "cost": self.cost, "bks": self.bks,
                "gap_pct": self.gap_pct, "feasible": self.feasible, "vehicles": self.vehicles,
                "seconds": self.seconds}


def verify(inst: Instance, plan: Plan) -> tuple[float, list[str]]:
    """The plan's cost in instance units and every way it breaks the instance's own rules."""
    tenths = inst.tenths()
    node = {f"c{i}": i for i in range(1, inst.size)}
    problems: list[str] = []
    served: list[int] = []
    total = 0
    for route in plan.routes:
        if not route.stops:
            continue
        prev, clock, load = 0, inst.ready[0] * 10, 0  # clock in tenths of a unit
        for stop in route.stops:
            i = node[stop.visit_id]
            served.append(i)
            total += int(tenths[prev, i])
            clock = max(clock + int(tenths[prev, i]), inst.ready[i] * 10)
            if clock > inst.due[i] * 10:
                problems.append(f"{route.team_id}: customer {i} starts at {clock / 10} "
                                f"after its due time {inst.due[i]}")
            clock += inst.service[i] * 10
            load += inst.demand[i]
            prev = i
        total += int(tenths[prev, 0])
        if clock + int(tenths[prev, 0]) > inst.due[0] * 10:
            problems.append(f"{route.team_id}: back at the depot after {inst.due[0]}")
        if load > inst.capacity:
            problems.append(f"{route.team_id}: load {load} over capacity {inst.capacity}")
    missing = set(range(1, inst.size)) - set(served)
    if missing:
        problems.append(f"{len(missing)} customer(s) not served: {sorted(missing)[:10]}")
    if len(served) != len(set(served)):
        problems.append("a customer is served twice")
    return total / 10, problems


def run_instance(path: Path, time_limit_s: float, seed: int = 0) -> BenchResult:
    """Map, solve with the product solver, re-check in instance units."""
    inst = read_instance(path)
    problem = to_problem(inst, time_limit_s)
    began = time.perf_counter()
    try:
        plan = solve(problem, SolveOptions(time_limit_s=time_limit_s, seed=seed))
    except ComplianceViolation as exc:
        return BenchResult(inst.name, None, inst.bks, None, False, 0,
                           round(time.perf_counter() - began, 2), exc.violations)
    seconds = round(time.perf_counter() - began, 2)
    cost, problems = verify(inst, plan)
    gap = round(100 * (cost - inst.bks) / inst.bks, 2) if inst.bks else None
    return BenchResult(inst.name, round(cost, 1), inst.bks, gap, not problems,
                       plan.kpis.teams_used, seconds, tuple(problems))


def summary(results: Sequence[BenchResult]) -> dict[str, Any]:
    """Mean gap over instances with a best-known cost, and how many were feasible."""
    gaps = [r.gap_pct for r in results if r.gap_pct is not None]
    return {"instances": len(results),
            "feasible": sum(r.feasible for r in results),
            "mean_gap_pct": round(sum(gaps) / len(gaps), 2) if gaps else None,
            "seconds": round(sum(r.seconds for r in results), 2)}


def run_bench(paths: Sequence[Path | str], time_limit_s: float = 10.0,
              json_output: bool = False, seed: int = 0) -> int:
    """Solve each instance and print one line per instance, then a summary line.

    Returns the exit status: 0 when every instance is solved feasibly and completely,
    1 when one is not, 2 when an instance cannot be read.
    """
    results: list[BenchResult] = []
    if not json_output:
        print(f"{'instance':<10} {'cost':>9} {'bks':>9} {'gap %':>7} {'feasible':>8} "
              f"{'vehicles':>8} {'seconds':>8}")
    for raw in paths:
        try:
            result = run_instance(Path(raw), time_limit_s, seed)
        except InvalidInput as exc:
            print(f"{raw}: {exc}", file=sys.stderr)
            return 2
        results.append(result)
        if json_output:
            print(json.dumps(result.as_json()), flush=True)
        else:
            print(f"{result.instance:<10} {_fmt(result.cost):>9} {_fmt(result.bks):>9} "
                  f"{_fmt(result.gap_pct, 2):>7} {'yes' if result.feasible else 'NO':>8} "
                  f"{result.vehicles:>8} {result.seconds:>8.2f}", flush=True)
        for line in result.problems:
            print(f"  {result.instance}: {line}", file=sys.stderr)
    total = summary(results)
    if json_output:
        print(json.dumps(total))
    else:
        print(f"mean gap {_fmt(total['mean_gap_pct'], 2)} % over {total['instances']} "
              f"instance(s), {total['feasible']} feasible, {total['seconds']:.1f} s")
    return 0 if total["feasible"] == total["instances"] else 1


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `bench INSTANCE.vrp ... [--time-limit S] [--json] [--seed N]`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="solve VRPLIB VRPTW instances and compare with best-known costs",
        description="Solve VRPLIB VRPTW instances (e.g. Solomon) with routeplan's solver and "
                    "print cost, gap to the best-known solution (the .sol beside each file), "
                    "feasibility, vehicles and seconds.")
    parser.add_argument("instances", nargs="+", type=Path, metavar="INSTANCE.vrp")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S",
                        help="seconds per instance (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--seed", type=int, default=0, help="search seed (default 0)")
    parser.set_defaults(handler=_handle)
    return parser


def _handle(args: argparse.Namespace) -> int:
    return run_bench(args.instances, args.time_limit, args.json, args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: `python -m benchmarks.vrptw INSTANCE.vrp ...`."""
    parser = argparse.ArgumentParser(prog="routeplan")
    sub = parser.add_subparsers(dest="command", required=True)
    add_bench_parser(sub)
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
