"""The travel-matrix Protocol every source implements; units: integer seconds and metres."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from routeplan.errors import InternalError
from routeplan.model.geo import LonLat
from routeplan.model.team import Mode

#: Marks a pair of points with no route between them (seconds and metres alike).
UNREACHABLE = 10**9

type IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Matrices:
    """Square matrices over the same points: durations in seconds, distances in metres.

    `snapped` says, per point, whether the source could place it on its network (always
    True for straight-line sources); `warnings` carries what the dispatcher should know
    (e.g. a fallback to straight lines).
    """

    durations: IntMatrix
    distances: IntMatrix
    snapped: tuple[bool, ...] = ()
    source: str = ""
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.durations.shape[0]
        if self.durations.shape != (n, n) or self.distances.shape != (n, n):
            raise InternalError(
                f"travel matrices must be square and equal: {self.durations.shape} "
                f"vs {self.distances.shape}"
            )
        if self.snapped and len(self.snapped) != n:
            raise InternalError("snapped flags do not match the matrix size")
        for arr in (self.durations, self.distances):
            arr.setflags(write=False)

    @property
    def size(self) -> int:
        return int(self.durations.shape[0])

    def is_snapped(self, i: int) -> bool:
        return self.snapped[i] if self.snapped else True


class TravelMatrix(Protocol):
    """A source of travel matrices (straight-line estimate, embedded road engine, server)."""

    @property
    def name(self) -> str:
        """Short name recorded in the plan (e.g. 'haversine', 'osrm')."""
        ...

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        """Durations and distances between all `points` (WGS-84 lon, lat) for `mode`.

        Raises RoutingError when the source fails.
        """
        ...

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        """A polyline through `points` in order, following roads where the source knows them."""
        ...
