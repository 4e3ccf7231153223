"""A small synthetic road network near Zhengzhou, written as OSM, for tests and benchmarks.

The network is a grid of streets split by an east-west river that exactly one bridge crosses,
so road travel differs from straight lines where it matters: two points facing each other across
the river are a few hundred metres apart but a long drive apart. Every fourth street is a
`primary` road (maxspeed 60), the others are `residential` (maxspeed 30); one residential row is
one-way eastbound. East of the grid lies an island: a short street no road leads to. Coordinates
are WGS-84 (lon, lat); the grid spacing is in metres.

Writing the file needs `osmium` (the `roads` extra); nothing else here does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from routeplan.domain.geo import LonLat

#: Metres per degree of latitude (mean, good to 0.5 % in Henan).
_M_PER_DEG_LAT = 111_195.0

PRIMARY_KMH = 60
RESIDENTIAL_KMH = 30


@dataclass(frozen=True, slots=True)
class GridNetwork:
    """Where the generated grid lies and which of its streets are special.

    Columns `i` run west to east (0..nx-1), rows `j` south to north (0..ny-1). The river runs
    between rows `river_row` and `river_row + 1`; the only crossing is the bridge on column
    `bridge_col`. Row `oneway_row` is one-way eastbound.
    """

    origin: LonLat = (113.60, 34.75)
    nx: int = 12
    ny: int = 10
    spacing_m: float = 250.0
    bridge_col: int = 10
    oneway_row: int = 1

    def __post_init__(self) -> None:
        if self.nx < 4 or self.ny < 4:
            raise ValueError(f"grid {self.nx}x{self.ny} is too small (at least 4x4)")
        if not 0 <= self.bridge_col < self.nx:
            raise ValueError(f"bridge_col {self.bridge_col} is outside 0..{self.nx - 1}")
        if not 0 <= self.oneway_row <= self.river_row:
            raise ValueError(f"oneway_row {self.oneway_row} must lie south of the river")

    @property
    def river_row(self) -> int:
        """The last row south of the river."""
        return self.ny // 2 - 1

    @property
    def _dlon(self) -> float:
        return self.spacing_m / (_M_PER_DEG_LAT * math.cos(math.radians(self.origin[1])))

    @property
    def _dlat(self) -> float:
        return self.spacing_m / _M_PER_DEG_LAT

    def node(self, i: int, j: int) -> LonLat:
        """The crossing of column `i` and row `j`."""
        lon, lat = self.at(i, j)
        return (round(lon, 7), round(lat, 7))

    def at(self, x: float, y: float) -> LonLat:
        """A point at fractional grid position (x, y); integers are crossings."""
        return (self.origin[0] + x * self._dlon, self.origin[1] + y * self._dlat)

    @property
    def river_lat(self) -> float:
        return self.origin[1] + (self.river_row + 0.5) * self._dlat

    def is_primary(self, index: int) -> bool:
        """Rows and columns whose index is a multiple of 4 are primary roads."""
        return index % 4 == 0

    def island(self) -> tuple[LonLat, LonLat]:
        """Both ends of the street no road leads to (two grid spacings east of the grid)."""
        return self.at(self.nx + 1, 1), self.at(self.nx + 1, 2)

    def offroad(self, metres: float = 3000.0) -> LonLat:
        """A point `metres` south of the south-west corner: far from any road."""
        return (self.origin[0], self.origin[1] - metres / _M_PER_DEG_LAT)

    @property
    def size_text(self) -> str:
        """The network's size in words, for benchmark reports."""
        km_x = (self.nx - 1) * self.spacing_m / 1000
        km_y = (self.ny - 1) * self.spacing_m / 1000
        return (f"{self.nx}x{self.ny} grid, {self.nx * self.ny} crossings, "
                f"{km_x:.1f} x {km_y:.1f} km, spacing {self.spacing_m:g} m, one bridge")

    def write(self, path: Path) -> Path:
        """Write the network as an OSM file (.osm or .osm.pbf by the suffix); returns `path`."""
        import osmium

        nid = {(i, j): 1 + j * self.nx + i for j in range(self.ny) for i in range(self.nx)}
        ways: list[tuple[list[int], dict[str, str]]] = []

        def road(index: int) -> dict[str, str]:
            if self.is_primary(index):
                return {"highway": "primary", "maxspeed": str(PRIMARY_KMH)}
            return {"highway": "residential", "maxspeed": str(RESIDENTIAL_KMH)}

        for j in range(self.ny):  # rows, west to east
            tags = road(j) | {"name": f"Row {j}"}
            if j == self.oneway_row:
                tags["oneway"] = "yes"
            ways.append(([nid[i, j] for i in range(self.nx)], tags))
        r = self.river_row
        for i in range(self.nx):  # columns, south to north, cut by the river
            tags = road(i) | {"name": f"Column {i}"}
            ways.append(([nid[i, j] for j in range(r + 1)], tags))
            ways.append(([nid[i, j] for j in range(r + 1, self.ny)], tags))
            if i == self.bridge_col:
                ways.append(([nid[i, r], nid[i, r + 1]],
                             tags | {"bridge": "yes", "layer": "1", "name": "Bridge"}))

        island_first = len(nid) + 1
        ways.append(([island_first, island_first + 1],
                     {"highway": "residential", "maxspeed": "30", "name": "Island"}))
        river_first = island_first + 2
        west, east = self.at(-2, r + 0.5), self.at(self.nx + 2, r + 0.5)
        path.parent.mkdir(parents=True, exist_ok=True)
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for (i, j), ident in sorted(nid.items(), key=lambda kv: kv[1]):
                writer.add_node(osmium.osm.mutable.Node(
                    id=ident, location=self.node(i, j), version=1, tags={}))
            for k, point in enumerate(self.island()):
                writer.add_node(osmium.osm.mutable.Node(id=island_first + k, location=point,
                                                        version=1, tags={}))
            writer.add_node(osmium.osm.mutable.Node(id=river_first, location=west, version=1,
                                                    tags={}))
            writer.add_node(osmium.osm.mutable.Node(id=river_first + 1, location=east, version=1,
                                                    tags={}))
            for k, (nodes, tags) in enumerate(ways, start=1):
                writer.add_way(osmium.osm.mutable.Way(id=k, nodes=nodes, version=1, tags=tags))
            writer.add_way(osmium.osm.mutable.Way(
                id=len(ways) + 1, nodes=[river_first, river_first + 1], version=1,
                tags={"waterway": "river", "name": "Test River"}))
        return path
