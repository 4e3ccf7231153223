"""Travel data inside a problem: matrices per mode over the problem's points (seconds, metres).

A day small enough for one search holds dense matrices. A larger day (decomposed into parts)
holds `LazyPairs` instead: each part's dense matrices are computed when the part is cut out,
and the few pairs the whole day needs (a route's legs, a team's base to a visit) on demand,
so a province-wide day never allocates one N x N matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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
class Block:
    """Durations (s) and distances (m) from each origin to each destination, and snapping."""

    durations: IntMatrix
    distances: IntMatrix
    origin_snapped: tuple[bool, ...] = ()
    destination_snapped: tuple[bool, ...] = ()


class BlockSource(Protocol):
    """What lazy travel data asks its source: a rectangle of origins by destinations."""

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block: ...


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
    lazy: LazyPairs | None = None
    origins: Mapping[Mode, ModeSource] = field(default_factory=dict)

    def duration(self, mode: Mode, i: int, j: int) -> int:
        if self.lazy is not None:
            return self.lazy.pair(mode, i, j)[0]
        return int(self.by_mode[mode].durations[i, j])

    def distance(self, mode: Mode, i: int, j: int) -> int:
        if self.lazy is not None:
            return self.lazy.pair(mode, i, j)[1]
        return int(self.by_mode[mode].distances[i, j])

    def snapped(self, i: int) -> bool:
        if self.lazy is not None:
            return all(self.lazy.snapped(m, i) for m in self.origins)
        return all(m.is_snapped(i) for m in self.by_mode.values())

    @property
    def record(self) -> dict[Mode, ModeSource]:
        """The source of each mode's matrices (modes whose source said nothing are left out)."""
        if self.lazy is not None:
            return dict(sorted(self.origins.items()))
        return {mode: m.origin for mode, m in sorted(self.by_mode.items())
                if m.origin is not None}


class LazyPairs:
    """Travel over a large day's points, computed when asked and kept (see module doc).

    A team node's whole row (base to every point) or column (every point to the end) is
    fetched in one block, since the checker asks a team about many visits; other pairs one
    at a time. Snapping is read once per mode from a block out of the first team node.
    """

    __slots__ = ("_cols", "_pairs", "_rows", "_snapped", "points", "source", "team_nodes")

    def __init__(self, source: BlockSource, points: Sequence[LonLat],
                 team_nodes: Sequence[int]) -> None:
        self.source = source
        self.points = tuple(points)
        self.team_nodes = frozenset(team_nodes)
        self._rows: dict[tuple[Mode, int], Block] = {}
        self._cols: dict[tuple[Mode, int], Block] = {}
        self._pairs: dict[tuple[Mode, int, int], tuple[int, int]] = {}
        self._snapped: dict[Mode, tuple[bool, ...]] = {}

    def pair(self, mode: Mode, i: int, j: int) -> tuple[int, int]:
        """Duration and distance from point i to point j."""
        if i == j:
            return 0, 0
        if i in self.team_nodes:
            row = self._rows.get((mode, i))
            if row is None:
                row = self.source.block([self.points[i]], self.points, mode)
                self._rows[(mode, i)] = row
            return int(row.durations[0, j]), int(row.distances[0, j])
        if j in self.team_nodes:
            col = self._cols.get((mode, j))
            if col is None:
                col = self.source.block(self.points, [self.points[j]], mode)
                self._cols[(mode, j)] = col
            return int(col.durations[i, 0]), int(col.distances[i, 0])
        found = self._pairs.get((mode, i, j))
        if found is None:
            b = self.source.block([self.points[i]], [self.points[j]], mode)
            found = int(b.durations[0, 0]), int(b.distances[0, 0])
            self._pairs[(mode, i, j)] = found
        return found

    def snapped(self, mode: Mode, i: int) -> bool:
        flags = self._snapped.get(mode)
        if flags is None:
            first = min(self.team_nodes) if self.team_nodes else 0
            b = self.source.block([self.points[first]], self.points, mode)
            flags = b.destination_snapped or (True,) * len(self.points)
            self._snapped[mode] = flags
        return flags[i]

    def dense(self, mode: Mode, rows: Sequence[int], origin: ModeSource | None) -> Matrices:
        """Square matrices over some points (a part of the day), computed in one block."""
        pts = [self.points[r] for r in rows]
        b = self.source.block(pts, pts, mode)
        snapped = b.destination_snapped if b.destination_snapped else ()
        return Matrices(np.ascontiguousarray(b.durations), np.ascontiguousarray(b.distances),
                        tuple(snapped), origin.provider if origin else "", (), origin)
