"""Large days are split so borrowers stay whole and every team is in one part, then rejoined."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from routeplan.domain.problem import Problem
from routeplan.solver import Progress, SolveOptions, solve
from routeplan.solver.decompose import LocalPool, partition
from routeplan.workflows.synth import synth_day


def test_partition_keeps_borrowers_together_and_uses_each_team_once(
        make_problem: Callable[..., Problem], locator: object) -> None:
    day = synth_day(prefectures=None, visits=900, teams=60, seed=3, locator=locator)  # type: ignore[arg-type]
    problem = make_problem(list(day.visits), list(day.teams))
    parts = partition(problem, max_part=120)
    assert len(parts) >= 18  # at least one per prefecture, large ones clustered
    assert sorted(i for p in parts for i in p.visits) == list(range(len(day.visits)))
    assert sorted(t for p in parts for t in p.teams) == list(range(len(day.teams)))
    part_of_borrower: dict[str, set[int]] = {}
    for k, p in enumerate(parts):
        for i in p.visits:
            part_of_borrower.setdefault(day.visits[i].borrower_id, set()).add(k)
    assert all(len(ks) == 1 for ks in part_of_borrower.values())
    for p in parts:  # a restricted team only joins a part in its own prefecture
        for t in p.teams:
            codes = {problem.prefecture[i] for i in p.visits if problem.prefecture[i]}
            assert codes <= day.teams[t].prefectures


def test_decomposed_plan_accounts_for_every_visit_once_and_passes_the_checker(
        make_problem: Callable[..., Problem], locator: object) -> None:
    day = synth_day(prefectures=["郑州市", "开封市"], visits=260, teams=14, seed=4,
                    locator=locator)  # type: ignore[arg-type]
    problem = make_problem(list(day.visits), list(day.teams))
    plan = solve(problem, SolveOptions(time_limit_s=8), decompose_above=100,
                 runner=LocalPool(2))
    ids = Counter(plan.visit_ids())
    assert set(ids) == {v.visit_id for v in day.visits}
    assert max(ids.values()) == 1
    assert int(plan.meta["parts"]) >= 2
    assert plan.kpis.visits_planned > 100
    borrowers = Counter(s.borrower_id for r in plan.routes for s in r.stops)
    assert max(borrowers.values()) == 1


def test_a_stop_reaches_every_part_of_a_decomposed_day(
        make_problem: Callable[..., Problem], locator: object) -> None:
    """A dispatcher's stop ends a decomposed day long before its budget, with every part's
    best plan so far; progress counts the planned visits while the parts run."""
    day = synth_day(prefectures=["郑州市", "开封市"], visits=260, teams=14, seed=4,
                    locator=locator)  # type: ignore[arg-type]
    problem = make_problem(list(day.visits), list(day.teams))
    reports: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit_s=120), decompose_above=100,
                 runner=LocalPool(2), progress=reports.append,
                 should_stop=lambda: any((r.planned or 0) > 0 for r in reports))
    # a behavioural bound, not a benchmark: without the stop the parts run ~100 s
    assert plan.kpis.solve_s < 60
    assert int(plan.meta["parts"]) >= 2
    mid_solve = [r.planned for r in reports[:-1]]
    assert mid_solve and all(c is not None and c > 0 for c in mid_solve)
    assert reports[-1].planned == plan.kpis.visits_planned > 0
    assert set(plan.visit_ids()) == {v.visit_id for v in day.visits}


def test_a_large_day_builds_no_whole_day_matrix_and_still_plans_lawfully(
        make_problem: Callable[..., Problem], locator: object) -> None:
    """Above one search's size the travel data is lazy: parts get their own matrices, the
    day's checker its few pairs, and the answers equal the dense ones."""
    day = synth_day(prefectures=["郑州市", "开封市"], visits=700, teams=30, seed=8,
                    locator=locator)  # type: ignore[arg-type]
    problem = make_problem(list(day.visits), list(day.teams))
    assert problem.lazy and not problem.travel.by_mode
    part = problem.restrict(range(0, 40), range(0, 3))
    assert not part.lazy and part.travel.by_mode
    dense = make_problem(list(day.visits[:40]), list(day.teams[:3]))
    mode = day.teams[0].mode
    assert (part.travel.by_mode[mode].durations == dense.travel.by_mode[mode].durations).all()
    k, node = 2, problem.travel.visit_node[5]
    assert node is not None
    assert problem.travel.duration(mode, problem.travel.start_node[k], node) == int(
        dense.travel.by_mode[mode].durations[dense.travel.start_node[k],
                                             dense.travel.visit_node[5]])
    plan = solve(problem, SolveOptions(time_limit_s=10), runner=LocalPool(2))
    assert int(plan.meta["parts"]) >= 2  # the joined plan passed the checker inside solve()
    assert set(plan.visit_ids()) == {v.visit_id for v in day.visits}
    assert set(plan.travel) == {t.mode for t in day.teams}
    assert plan.travel[mode] == dense.travel.record[mode]
