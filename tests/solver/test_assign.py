"""The week's day assignment: priority first, then compact team-days around their seeds."""

from __future__ import annotations

from routeplan.solver.assign import Assignment, Option, assign

A, B = (0.0, 0.0), (30.0, 0.0)  # two neighbourhoods 30 km apart, on the plane (km)
BOTH_DAYS = {0: frozenset({0}), 1: frozenset({0})}


def _options(points: list[tuple[float, float]], weights: list[int]) -> tuple[Option, ...]:
    return tuple(Option(k, w, BOTH_DAYS, at=p) for k, (p, w) in enumerate(zip(points, weights,
                                                                            strict=True)))


def test_seeds_give_each_day_of_a_team_one_neighbourhood() -> None:
    """Two cases near A and two near B, one team working two days seeded at A and at B:
    each day gets one neighbourhood, not one case of each."""
    points = [A, B, (1.0, 0.5), (29.0, -0.5)]
    problem = Assignment(_options(points, [10] * 4), {(0, 0): 2, (1, 0): 2},
                         seeds={(0, 0): A, (1, 0): B}, per_km=2)
    placed = assign(problem)
    assert placed.day_of == {0: 0, 2: 0, 1: 1, 3: 1}


def test_without_seeds_every_case_is_still_placed() -> None:
    """The same cases with no seeds: all four fit, so all four are placed."""
    points = [A, B, (1.0, 0.5), (29.0, -0.5)]
    placed = assign(Assignment(_options(points, [10] * 4), {(0, 0): 2, (1, 0): 2}))
    assert sorted(placed.day_of) == [0, 1, 2, 3]


def test_priority_outweighs_the_distance_to_any_seed() -> None:
    """Room for one case a day: the far case of priority 2 is placed before one of the
    near cases of priority 1, though it lies 170 km beyond both seeds."""
    points = [(200.0, 0.0), A, B]
    scale = (1 + 2 * 200) * len(points) + 1  # the week's scale: a point above all tie-breaks
    problem = Assignment(_options(points, [2 * scale, scale, scale]),
                         {(0, 0): 1, (1, 0): 1}, seeds={(0, 0): A, (1, 0): B}, per_km=2)
    placed = assign(problem)
    assert 0 in placed.day_of
    assert len(placed.day_of) == 2
