"""Choosing the source per mode, failing per policy, and caching engine answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from tests.travel.testnet import GridNetwork

from routeplan.domain.errors import InvalidInput, RoutingError
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.travel import UNREACHABLE, Matrices
from routeplan.travel.cache import MatrixCache
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.provider import RoadTravel, haversine_for, make_travel, parse_osrm_urls
from routeplan.travel.roads import RoutedServer

PTS: list[LonLat] = [(113.60, 34.75), (113.62, 34.76), (113.61, 34.77)]


class FakeEngine:
    """A road engine behind the RoadEngine Protocol that counts calls and can be told to fail."""

    name = "fake"

    def __init__(self, modes: Sequence[Mode] = (Mode.CAR,), *, fail: bool = False) -> None:
        self.modes = frozenset(modes)
        self.fail = fail
        self.calls = 0

    def cache_id(self, mode: Mode) -> str:
        return "fake:v1"

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        self.calls += 1
        if self.fail:
            raise RoutingError("fake engine at http://fake:5000 is down")
        n = len(points)
        d = np.full((n, n), 77, dtype=np.int64)
        np.fill_diagonal(d, 0)
        return Matrices(d, d * 10, (True,) * n, source=self.name)

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        if self.fail:
            raise RoutingError("fake engine is down")
        return [points[0], (0.0, 0.0), points[-1]]


def _travel(engine: FakeEngine, on_failure: str = "fallback",
            cache: MatrixCache | None = None) -> RoadTravel:
    return RoadTravel([engine], HaversineMatrix(), on_failure=on_failure, cache=cache)


def test_mode_with_a_graph_uses_the_engine() -> None:
    """Car goes to the engine, without warnings."""
    m = _travel(FakeEngine()).matrices(PTS, Mode.CAR)
    assert m.source == "fake"
    assert m.warnings == ()
    assert m.durations[0, 1] == 77


def test_mode_without_a_graph_falls_back_with_a_warning() -> None:
    """An e-bike with no bicycle graph gets straight lines at its speed, and is told so."""
    m = _travel(FakeEngine()).matrices(PTS, Mode.EBIKE)
    assert m.source == "haversine"
    assert len(m.warnings) == 1
    assert "ebike" in m.warnings[0]
    assert "15 km/h" in m.warnings[0]


def test_engine_failure_falls_back_under_fallback_policy() -> None:
    """'fallback': haversine numbers, and the warning names the failure."""
    m = _travel(FakeEngine(fail=True)).matrices(PTS, Mode.CAR)
    assert m.source == "haversine"
    assert "http://fake:5000 is down" in m.warnings[0]
    assert m.durations[0, 1] == HaversineMatrix().matrices(PTS, Mode.CAR).durations[0, 1]


def test_engine_failure_is_raised_under_refuse_policy() -> None:
    """'refuse': the RoutingError reaches the caller, for tables and for geometry."""
    travel = _travel(FakeEngine(fail=True), on_failure="refuse")
    with pytest.raises(RoutingError, match="down"):
        travel.matrices(PTS, Mode.CAR)
    with pytest.raises(RoutingError):
        travel.geometry(PTS, Mode.CAR)


def test_geometry_falls_back_to_straight_lines() -> None:
    """Under 'fallback' a failing engine's geometry is the straight polyline."""
    assert _travel(FakeEngine(fail=True)).geometry(PTS, Mode.CAR) == PTS
    assert _travel(FakeEngine()).geometry(PTS, Mode.CAR)[1] == (0.0, 0.0)


def test_cache_answers_the_same_day_twice_without_the_engine() -> None:
    """Same points (to ~1 m) and mode: one engine call; another mode or point set: a new one."""
    engine = FakeEngine(modes=(Mode.CAR, Mode.WALK))
    travel = _travel(engine, cache=MatrixCache(maxsize=4))
    first = travel.matrices(PTS, Mode.CAR)
    nudged = [(lon + 1e-7, lat - 1e-7) for lon, lat in PTS]
    assert travel.matrices(nudged, Mode.CAR) is first
    assert engine.calls == 1
    travel.matrices(PTS, Mode.WALK)
    travel.matrices(PTS[:2], Mode.CAR)
    assert engine.calls == 3


def test_disk_cache_survives_a_new_process(tmp_path: Path) -> None:
    """A fresh cache over the same folder answers without asking the engine."""
    engine = FakeEngine()
    first = _travel(engine, cache=MatrixCache(directory=tmp_path)).matrices(PTS, Mode.CAR)
    again_engine = FakeEngine()
    again = _travel(again_engine, cache=MatrixCache(directory=tmp_path)).matrices(PTS, Mode.CAR)
    assert again_engine.calls == 0
    assert (again.durations == first.durations).all()
    assert (again.distances == first.distances).all()
    assert again.snapped == first.snapped
    assert again.source == "fake"


def test_fallback_answers_are_not_cached() -> None:
    """After an outage the engine is asked again, not the remembered straight lines."""
    engine = FakeEngine(fail=True)
    travel = _travel(engine, cache=MatrixCache())
    assert travel.matrices(PTS, Mode.CAR).source == "haversine"
    engine.fail = False
    assert travel.matrices(PTS, Mode.CAR).source == "fake"


def test_lru_forgets_the_oldest() -> None:
    """Past maxsize the least recently used entry goes."""
    cache = MatrixCache(maxsize=2)
    m = HaversineMatrix().matrices(PTS, Mode.CAR)
    for key in ("a", "b", "c"):
        cache.put(key, m)
    assert cache.get("a") is None
    assert cache.get("c") is m


def test_make_travel_without_roads_is_haversine_with_policy_speeds() -> None:
    """No roads configured: the policy's detour and speeds, no road engine."""
    policy = Policy(detour_factor=1.5, car_kmh=40.0)
    travel = make_travel(policy)
    assert isinstance(travel, HaversineMatrix)
    assert travel == haversine_for(policy)
    assert travel.speeds_kmh[Mode.CAR] == 40.0


def test_make_travel_with_roads_dir(roads_dir: Path, grid: GridNetwork) -> None:
    """Car and walk on their graphs, e-bike (no bicycle graph) straight with a warning."""
    travel = make_travel(Policy(), roads_dir)
    pts = [grid.at(1.5, grid.river_row), grid.at(1.5, grid.river_row + 1)]
    car = travel.matrices(pts, Mode.CAR)
    assert car.source == "osrm-embedded"
    assert car.warnings == ()
    assert car.distances[0, 1] > 10 * grid.spacing_m  # the bridge detour
    ebike = travel.matrices(pts, Mode.EBIKE)
    assert ebike.source == "haversine"
    assert "bicycle" in ebike.warnings[0]
    assert ebike.distances[0, 1] < 2 * grid.spacing_m


def test_make_travel_snap_distance_comes_from_policy(roads_dir: Path,
                                                     grid: GridNetwork) -> None:
    """A point 150 m from the road is placed under max_snap_m 500 and refused under 100."""
    pts = [grid.at(1.5, -0.6), grid.at(3.5, 0)]
    assert make_travel(Policy(max_snap_m=500), roads_dir).matrices(pts, Mode.CAR).snapped == (
        True, True)
    strict = make_travel(Policy(max_snap_m=100), roads_dir).matrices(pts, Mode.CAR)
    assert strict.snapped == (False, True)
    assert strict.durations[0, 1] == UNREACHABLE


def test_make_travel_with_server_url(routed_server: RoutedServer, grid: GridNetwork) -> None:
    """ROUTEPLAN_OSRM_URL alone: car through the server."""
    travel = make_travel(Policy(), osrm_url=routed_server.url)
    m = travel.matrices([grid.at(3.5, 1), grid.at(7.5, 1)], Mode.CAR)
    assert m.source == "osrm-server"
    assert m.distances[1, 0] > m.distances[0, 1]  # one-way


def test_make_travel_refuses_an_empty_roads_dir(tmp_path: Path) -> None:
    """A roads folder without any graph is an input error, not a silent straight-line plan."""
    with pytest.raises(InvalidInput, match="no road graph"):
        make_travel(Policy(), tmp_path)


def test_parse_osrm_urls() -> None:
    """One URL means car; MODE=URL pairs give each mode its server; bad modes are named."""
    assert parse_osrm_urls("http://h:5000") == {Mode.CAR: "http://h:5000"}
    assert parse_osrm_urls("car=http://a:1, walk=http://b:2/x") == {
        Mode.CAR: "http://a:1", Mode.WALK: "http://b:2/x"}
    assert parse_osrm_urls("") == {}
    with pytest.raises(InvalidInput, match="bike"):
        parse_osrm_urls("bike=http://a:1")
