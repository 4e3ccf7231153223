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


@dataclass(frozen=True, slots=True)
class ModeSource:
    """Where one mode's matrices came from: enough to rebuild exactly the same ones.

    `provider` is `haversine`, `osrm-embedded` or `osrm-server`. Road engines record their
    OSRM `profile`, the `graph` (an embedded graph's content identity, or the server's URL)
    and `max_snap_m`; the straight-line estimate records its `detour_factor` and
    `speed_kmh`, and `fallback` says why a configured road engine was not used.
    """

    provider: str
    profile: str = ""
    graph: str = ""
    max_snap_m: float = 0.0
    detour_factor: float = 0.0
    speed_kmh: float = 0.0
    fallback: str = ""

    @property
    def on_roads(self) -> bool:
        return self.provider != "haversine"

    def describe(self) -> str:
        """One line for messages: provider, profile and graph."""
        if not self.on_roads:
            note = f" (fallback: {self.fallback})" if self.fallback else ""
            return (f"haversine x{self.detour_factor:g} at {self.speed_kmh:g} km/h{note}")
        return f"{self.provider} {self.profile} {self.graph}"


#: What a plan records of its travel data: the source of each mode's matrices.
type TravelRecord = Mapping[Mode, ModeSource]


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
    origin: ModeSource | None = None

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

    @property
    def record(self) -> dict[Mode, ModeSource]:
        """The source of each mode's matrices (modes whose source said nothing are left out)."""
        return {mode: m.origin for mode, m in sorted(self.by_mode.items())
                if m.origin is not None}
