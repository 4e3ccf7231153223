"""The benchmark harness maps VRPLIB instances faithfully and solves small ones feasibly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.vrptw import BENCH_DAY, read_instance, run_bench, to_problem, verify

from routeplan.solver.solve import SolveOptions, solve

# Depot at (0, 0) with horizon 0..500; five customers; service 10 units; capacity 30.
TINY = """NAME : TINY5
TYPE : CVRPTW
DIMENSION : 6
VEHICLES : 3
CAPACITY : 30
SERVICE_TIME : 10
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 1 1
4 10 0
5 0 10
6 7 7
DEMAND_SECTION
1 0
2 10
3 10
4 10
5 10
6 10
TIME_WINDOW_SECTION
1 0 500
2 0 100
3 0 50
4 20 200
5 100 300
6 0 400
DEPOT_SECTION
1
-1
EOF
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.vrp"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    (tmp_path / "TINY5.sol").write_text("Route #1: 2 1 5\nRoute #2: 3 4\nCost 60.0\n",  # sham
                                        encoding="utf-8")
    return _write(tmp_path, "TINY5", TINY)


def test_distances_are_truncated_to_tenths(tiny: Path) -> None:
    tenths = read_instance(tiny).tenths()
    assert tenths[0, 1] == 50  # (0,0)-(3,4): exactly 5.0
    assert tenths[0, 2] == 14  # sqrt(2) = 1.414..., truncated, not rounded
    assert tenths[3, 5] == 76  # (10,0)-(7,7): sqrt(58) = 7.615...
    assert (tenths == tenths.T).all()


def test_instance_maps_onto_routeplan_problem(tiny: Path) -> None:
    inst = read_instance(tiny)
    assert inst.bks == 60.0
    problem = to_problem(inst)
    assert problem.day == BENCH_DAY
    assert len(problem.teams) == 3
    team = problem.teams[0]
    assert len(team.members) == 2
    assert team.capacity == 30
    assert (team.shift.start, team.shift.end) == (8 * 3600, 8 * 3600 + 5000)
    first = problem.visits[0]  # customer 1 at (3, 4), window 0..100, service 10
    assert first.must_visit
    assert first.demand == 10
    assert first.service_s == 100
    assert first.window is not None
    # VRPLIB bounds the start of service, routeplan the whole visit: due + service
    assert (first.window.start, first.window.end) == (8 * 3600, 8 * 3600 + 1100)
    assert set(problem.prefecture) == {410100}
    matrices = next(iter(problem.travel.by_mode.values()))
    depot = problem.travel.start_node[0]
    node = problem.travel.visit_node[0]
    assert node is not None
    assert matrices.durations[depot, node] == 50  # one tenth of a unit is one second
    assert matrices.distances[depot, node] == 50


def test_small_instance_is_solved_feasibly_and_costed_from_the_instance(tiny: Path) -> None:
    inst = read_instance(tiny)
    plan = solve(to_problem(inst), SolveOptions(time_limit_s=30, solution_limit=50))
    cost, problems = verify(inst, plan)
    assert problems == []
    assert not plan.unassigned
    assert cost * 10 == plan.kpis.distance_m


def test_verify_reports_a_customer_left_out(tiny: Path) -> None:
    plan = solve(to_problem(read_instance(tiny)),
                 SolveOptions(time_limit_s=30, solution_limit=50))
    six = (TINY.replace("DIMENSION : 6", "DIMENSION : 7")
           .replace("6 7 7\n", "6 7 7\n7 9 9\n")
           .replace("6 10\nTIME", "6 10\n7 1\nTIME")
           .replace("6 0 400\n", "6 0 400\n7 0 400\n"))
    _, problems = verify(read_instance(_write(tiny.parent, "TINY6", six)), plan)
    assert any("not served" in p for p in problems)


def test_json_lines_carry_the_documented_keys(tiny: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status = run_bench([tiny], time_limit_s=0.5, json_output=True)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0
    assert len(lines) == 2
    assert set(lines[0]) == {"instance", "cost", "bks", "gap_pct", "feasible", "vehicles",
                             "seconds"}
    assert lines[0]["instance"] == "TINY5"
    assert lines[0]["feasible"] is True
    assert "instance" not in lines[1]
    assert "mean_gap_pct" in lines[1]


def test_unreadable_instance_exits_2(tmp_path: Path) -> None:
    assert run_bench([tmp_path / "missing.vrp"], time_limit_s=0.5) == 2
