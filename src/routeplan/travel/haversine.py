"""Great-circle travel estimate: distance x detour factor at a mode's average speed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode
from routeplan.domain.travel import Block, IntMatrix, Matrices, ModeSource

EARTH_RADIUS_M = 6_371_008.8

DEFAULT_SPEEDS_KMH: Mapping[Mode, float] = {Mode.CAR: 30.0, Mode.EBIKE: 15.0, Mode.WALK: 4.5}


def great_circle_m(a: Sequence[LonLat], b: Sequence[LonLat]) -> npt.NDArray[np.float64]:
    """Pairwise great-circle distances in metres (float), shape (len(a), len(b)); vectorised."""
    pa = np.radians(np.asarray(a, dtype=np.float64).reshape(-1, 2))
    pb = np.radians(np.asarray(b, dtype=np.float64).reshape(-1, 2))
    lon1, lat1 = pa[:, 0:1], pa[:, 1:2]
    lon2, lat2 = pb[:, 0][None, :], pb[:, 1][None, :]
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    out: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


@dataclass(frozen=True, slots=True)
class HaversineMatrix:
    """Embedded default source: needs no data. Road distance = great circle x detour factor."""

    detour_factor: float = 1.3
    speeds_kmh: Mapping[Mode, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))

    @property
    def name(self) -> str:
        return "haversine"

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        road_m = great_circle_m(points, points) * self.detour_factor
        distances: IntMatrix = np.rint(road_m).astype(np.int64)
        speed_ms = self.speeds_kmh[mode] / 3.6
        durations: IntMatrix = np.rint(road_m / speed_ms).astype(np.int64)
        return Matrices(durations, distances, source=self.name, origin=self.origin(mode))

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block:
        """From each origin to each destination, without building any square matrix."""
        road_m = great_circle_m(origins, destinations) * self.detour_factor
        speed_ms = self.speeds_kmh[mode] / 3.6
        return Block(np.rint(road_m / speed_ms).astype(np.int64),
                     np.rint(road_m).astype(np.int64),
                     (True,) * len(origins), (True,) * len(destinations))

    def origin(self, mode: Mode) -> ModeSource:
        """The estimate's parameters for `mode`: all a later reader needs to redo it."""
        return ModeSource("haversine", detour_factor=self.detour_factor,
                          speed_kmh=self.speeds_kmh[mode])

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:  # noqa: ARG002
        """Straight segments: this source knows no roads, whatever the mode."""
        return list(points)
