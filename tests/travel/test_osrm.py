"""Road travel on the generated grid, through the embedded engine and through osrm-routed."""

from __future__ import annotations

import numpy as np
import pytest
from tests.travel.testnet import PRIMARY_KMH, RESIDENTIAL_KMH, GridNetwork

from routeplan.domain.errors import RoutingError
from routeplan.domain.team import Mode
from routeplan.domain.travel import UNREACHABLE
from routeplan.travel.haversine import great_circle_m
from routeplan.travel.osrm import OsrmEmbedded, OsrmServer

type Engine = OsrmEmbedded | OsrmServer


def test_one_way_street_is_driven_only_eastbound(engine: Engine, grid: GridNetwork) -> None:
    """Westbound along the one-way row a car must go round the block; eastbound it drives on."""
    west, east = grid.at(3.5, grid.oneway_row), grid.at(7.5, grid.oneway_row)
    m = engine.matrices([west, east], Mode.CAR)
    along = 4 * grid.spacing_m
    assert m.distances[0, 1] == pytest.approx(along, rel=0.03)
    # on to the next crossing, one block down, back west, up and in: twice as far
    assert m.distances[1, 0] == pytest.approx(2 * along, rel=0.03)
    assert m.durations[1, 0] > m.durations[0, 1]


def test_river_forces_the_detour_over_the_one_bridge(engine: Engine, grid: GridNetwork) -> None:
    """Facing banks 250 m apart: the road goes to the bridge column and back."""
    r = grid.river_row
    south, north = grid.at(1.5, r), grid.at(1.5, r + 1)
    m = engine.matrices([south, north], Mode.CAR)
    straight = float(great_circle_m([south], [north])[0, 0])
    detour = (2 * (grid.bridge_col - 1.5) + 1) * grid.spacing_m
    assert straight == pytest.approx(grid.spacing_m, rel=0.01)
    assert m.distances[0, 1] == pytest.approx(detour, rel=0.03)
    assert m.distances[1, 0] == pytest.approx(detour, rel=0.03)
    # next to the bridge the same crossing is short
    near = engine.matrices([grid.node(grid.bridge_col, r), grid.node(grid.bridge_col, r + 1)],
                           Mode.CAR)
    assert near.distances[0, 1] == pytest.approx(grid.spacing_m, rel=0.03)


@pytest.mark.parametrize(("row", "kmh"), [(0, PRIMARY_KMH), (2, RESIDENTIAL_KMH)])
def test_times_are_plausible_against_the_speed_limit(engine: Engine, grid: GridNetwork,
                                                     row: int, kmh: int) -> None:
    """Never faster than the limit, and at least half of it on a straight run."""
    a, b = grid.at(0.5, row), grid.at(6.5, row)
    m = engine.matrices([a, b], Mode.CAR)
    metres = 6 * grid.spacing_m
    assert m.distances[0, 1] == pytest.approx(metres, rel=0.03)
    limit_s = metres / (kmh / 3.6)
    assert limit_s <= m.durations[0, 1] <= 2 * limit_s


def test_primary_road_is_faster_than_residential(engine: Engine, grid: GridNetwork) -> None:
    """The same length takes less time on the 60 km/h row than on the 30 km/h row."""
    m = engine.matrices([grid.at(0.5, 0), grid.at(6.5, 0), grid.at(0.5, 2), grid.at(6.5, 2)],
                        Mode.CAR)
    assert m.durations[0, 1] < 0.75 * m.durations[2, 3]


def test_point_far_from_any_road_is_flagged_not_routed(engine: Engine,
                                                       grid: GridNetwork) -> None:
    """A point 3 km off the grid is snapped=False and unreachable both ways."""
    pts = [grid.node(0, 0), grid.node(2, 2), grid.offroad(3000)]
    m = engine.matrices(pts, Mode.CAR)
    assert m.snapped == (True, True, False)
    assert m.durations[2, 2] == 0
    assert (m.durations[2, :2] == UNREACHABLE).all()
    assert (m.durations[:2, 2] == UNREACHABLE).all()
    assert (m.distances[:2, 2] == UNREACHABLE).all()
    assert m.durations[0, 1] < UNREACHABLE


def test_point_just_off_the_road_still_snaps(engine: Engine, grid: GridNetwork) -> None:
    """A house 40 m from the street is placed on it."""
    m = engine.matrices([grid.at(2, 2.16), grid.node(5, 2)], Mode.CAR)
    assert m.snapped == (True, True)
    assert 0 < m.durations[0, 1] < UNREACHABLE


def test_matrix_shape_and_diagonal(engine: Engine, grid: GridNetwork) -> None:
    """Square int64 matrices with a zero diagonal and positive off-diagonal entries."""
    pts = [grid.node(i, j) for i in range(0, grid.nx, 3) for j in range(0, grid.ny, 3)]
    m = engine.matrices(pts, Mode.CAR)
    assert m.durations.shape == (len(pts), len(pts))
    assert m.durations.dtype == np.int64
    assert (np.diag(m.durations) == 0).all()
    off = ~np.eye(len(pts), dtype=bool)
    assert (m.durations[off] > 0).all()
    assert (m.distances[off] < UNREACHABLE).all()
    assert m.source == engine.name


def test_empty_and_single_point(engine: Engine, grid: GridNetwork) -> None:
    """No points gives empty matrices; one point a 1x1 zero."""
    assert engine.matrices([], Mode.CAR).size == 0
    one = engine.matrices([grid.node(2, 2)], Mode.CAR)
    assert one.durations.tolist() == [[0]]


def test_chunked_server_table_equals_embedded(embedded: OsrmEmbedded,
                                              server_engine: OsrmServer,
                                              grid: GridNetwork) -> None:
    """The server, asked in 5x5 blocks, answers what the library answers in one table."""
    pts = [grid.at(i + 0.3, j + 0.1) for i in range(0, grid.nx - 1, 2) for j in range(grid.ny)]
    pts.append(grid.offroad())
    assert len(pts) > 4 * 5
    a = embedded.matrices(pts, Mode.CAR)
    b = server_engine.matrices(pts, Mode.CAR)
    assert a.snapped == b.snapped
    assert np.abs(a.durations - b.durations).max() <= 1
    assert np.abs(a.distances - b.distances).max() <= 1


def test_geometry_follows_the_roads_over_the_bridge(engine: Engine, grid: GridNetwork) -> None:
    """The polyline between facing banks reaches the bridge column."""
    r = grid.river_row
    line = engine.geometry([grid.at(1.5, r), grid.at(1.5, r + 1)], Mode.CAR)
    bridge_lon = grid.node(grid.bridge_col, r)[0]
    assert len(line) >= 4
    assert max(lon for lon, _ in line) == pytest.approx(bridge_lon, abs=1e-5)


def test_geometry_draws_legs_to_offroad_points_straight(engine: Engine,
                                                        grid: GridNetwork) -> None:
    """A leg to a point off the network is a straight segment to the point itself."""
    far = grid.offroad()
    pts = [grid.node(1, 1), grid.node(3, 0), far]
    line = engine.geometry(pts, Mode.CAR)
    assert line[-1] == far
    assert line[0] == pytest.approx(pts[0], abs=1e-5)


def test_mode_without_graph_is_a_routing_error(embedded: OsrmEmbedded,
                                               grid: GridNetwork) -> None:
    """The bicycle graph was not built, so an e-bike table is refused by name."""
    assert embedded.modes == {Mode.CAR, Mode.WALK}
    with pytest.raises(RoutingError, match="ebike"):
        embedded.matrices([grid.node(0, 0), grid.node(1, 1)], Mode.EBIKE)


def test_walking_ignores_the_one_way(embedded: OsrmEmbedded, grid: GridNetwork) -> None:
    """On foot the one-way row is walked westbound directly, and slowly."""
    west, east = grid.at(3.5, grid.oneway_row), grid.at(7.5, grid.oneway_row)
    m = embedded.matrices([west, east], Mode.WALK)
    assert m.distances[1, 0] == pytest.approx(4 * grid.spacing_m, rel=0.03)
    assert m.durations[1, 0] > 4 * grid.spacing_m / (7 / 3.6)


def test_island_street_is_snapped_but_unreachable(engine: Engine, grid: GridNetwork) -> None:
    """A point on a street no road leads to is placed, yet no route joins it to the grid."""
    a, b = grid.island()
    on_island = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    m = engine.matrices([grid.at(3.5, 2), on_island], Mode.CAR)
    assert m.snapped == (True, True)
    assert m.durations[0, 1] == UNREACHABLE
    assert m.durations[1, 0] == UNREACHABLE
    assert m.distances[0, 1] == UNREACHABLE
