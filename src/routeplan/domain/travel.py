"""Travel data inside a problem: matrices per mode over the problem's points (seconds, metres)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routeplan.domain.errors import InternalError
from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode

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



@dataclass(frozen=True, slots=True, eq=False)
class TravelData:
    """Matrices over `points`: located visits first, then team starts, then team ends."""

    points: tuple[LonLat, ...]
    visit_node: tuple[int | None, ...]  # per visit, its row, or None when it has no location
    start_node: tuple[int, ...]  # per team
    end_node: tuple[int, ...]  # per team
    by_mode: Mapping[Mode, Matrices]
    source: str = "haversine"

    def duration(self, mode: Mode, i: int, j: int) -> int:
        return int(self.by_mode[mode].durations[i, j])

    def distance(self, mode: Mode, i: int, j: int) -> int:
        return int(self.by_mode[mode].distances[i, j])

    def snapped(self, i: int) -> bool:
        return all(m.is_snapped(i) for m in self.by_mode.values())
