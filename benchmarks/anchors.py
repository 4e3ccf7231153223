"""The open anchors on VRPLIB VRPTW instances: PyVRP and VROOM, in the DIMACS cost convention.

Both solve the instance itself (not routeplan's mapping of it), with distances truncated to
one decimal and scaled by ten, as in the `.sol` files; each result is re-checked by
`benchmarks.vrptw.verify`'s rules (windows, capacity, every customer once) before its cost
counts. Needs the `bench` extra (`pip install -e .[bench]`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from benchmarks.vrptw import Instance, read_instance


@dataclass(frozen=True, slots=True)
class AnchorResult:
    """One anchor's figures on one instance (cost in instance units, one decimal)."""

    solver: str
    instance: str
    cost: float | None
    gap_pct: float | None
    feasible: bool
    seconds: float


def _check(inst: Instance, routes: list[list[int]]) -> tuple[float, bool]:
    """Cost (instance units) and feasibility of routes given as customer numbers 1..n-1."""
    tenths = inst.tenths()
    total, ok, seen = 0, True, []
    for route in routes:
        prev, clock, load = 0, inst.ready[0] * 10, 0
        for i in route:
            seen.append(i)
            total += int(tenths[prev, i])
            clock = max(clock + int(tenths[prev, i]), inst.ready[i] * 10)
            ok &= clock <= inst.due[i] * 10
            clock += inst.service[i] * 10
            load += inst.demand[i]
            prev = i
        total += int(tenths[prev, 0])
        ok &= clock + int(tenths[prev, 0]) <= inst.due[0] * 10 and load <= inst.capacity
    ok &= sorted(seen) == list(range(1, inst.size))
    return total / 10, bool(ok)


def _result(solver: str, inst: Instance, routes: list[list[int]], seconds: float
            ) -> AnchorResult:
    cost, ok = _check(inst, routes)
    gap = round(100 * (cost - inst.bks) / inst.bks, 2) if inst.bks and ok else None
    return AnchorResult(solver, inst.name, round(cost, 1), gap, ok, round(seconds, 2))


def run_pyvrp(path: Path, time_limit_s: float, seed: int = 0) -> AnchorResult:
    """PyVRP's default solver, one core, for `time_limit_s` of wall time."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    inst = read_instance(path)
    data = pyvrp.read(str(path), round_func="dimacs")
    began = time.perf_counter()
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False)
    seconds = time.perf_counter() - began
    # activities name clients by index among the clients: client c is customer c + 1
    routes = [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]
    return _result("pyvrp", inst, routes, seconds)


def run_vroom(path: Path, threads: int = 2, exploration: int = 5) -> AnchorResult:
    """VROOM at its highest exploration level on `threads` threads (it sets its own time)."""
    import vroom

    inst = read_instance(path)
    problem = vroom.Input()
    matrix = np.asarray(inst.tenths(), dtype=np.uint32)
    problem.set_durations_matrix("car", matrix)
    for k in range(inst.vehicles):
        problem.add_vehicle(vroom.Vehicle(k + 1, start=0, end=0, capacity=[inst.capacity],
                                          time_window=vroom.TimeWindow(
                                              inst.ready[0] * 10, inst.due[0] * 10)))
    for i in range(1, inst.size):
        problem.add_job(vroom.Job(i, location=i, default_service=inst.service[i] * 10,
                                  delivery=[inst.demand[i]],
                                  time_windows=[vroom.TimeWindow(inst.ready[i] * 10,
                                                                 inst.due[i] * 10)]))
    began = time.perf_counter()
    sol = problem.solve(exploration_level=exploration, nb_threads=threads,
                        timeout=timedelta(seconds=600))
    seconds = time.perf_counter() - began
    frame = sol.routes
    routes = [[int(j) for j in group.loc[group["type"] == "job", "id"]]
              for _, group in frame.groupby("vehicle_id", sort=True)]
    return _result("vroom", inst, routes, seconds)
